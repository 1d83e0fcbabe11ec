//! The keys a succinct verifier trusts without compiling their circuits:
//! the join circuit's (its digest, a leaf of every control tree) and the
//! shrink circuit's (which proves every succinct receipt). Compiling both
//! takes seconds; a verifier reads them here. `tests/recursion/keys.rs` compiles the
//! circuits and fails if these are stale; `BENTO_WRITE_KEYS=1 cargo test
//! -p bento-recursion --test recursion keys` rewrites this file.

/// The join circuit's key digest.
#[rustfmt::skip]
pub const JOIN_KEY_DIGEST: [u32; 8] = [1163612854, 492849005, 868792802, 1997174097, 1070143315, 640646087, 765574926, 1871200142];
/// The shrink circuit's tables' heights (log2) and preprocessed commitment.
#[rustfmt::skip]
pub const SHRINK_LOG_HEIGHTS: [usize; 4] = [17, 17, 7, 14];
#[rustfmt::skip]
pub const SHRINK_PREPROCESSED: [[u32; 8]; 16] = [[1626712303, 136197543, 1583083693, 115366338, 1661986309, 1160693991, 638507136, 38316591], [247340863, 649927083, 514254838, 171217777, 1904563107, 626768785, 683375060, 242167098], [221172338, 1344204579, 1507304454, 1021535822, 33463851, 1393715201, 295615992, 153687883], [1979040868, 671555335, 145674724, 1399173436, 902184395, 1185368901, 76804644, 1153090774], [271861956, 1059695611, 2000467339, 188917342, 480455018, 981937931, 416028754, 1296789192], [307389852, 1237974746, 1811426402, 1889115436, 1376693235, 1828058686, 158840205, 880289048], [1922428503, 653648622, 1353840461, 31129055, 281316603, 45470523, 228705379, 1800437555], [389396514, 1326507003, 818646523, 1232087886, 521274752, 114118736, 1960738714, 286338154], [1375496103, 544022728, 1510228723, 351602568, 207099007, 1071221369, 1024497961, 957565711], [312094633, 1758767699, 1367286215, 498033702, 1370688888, 1076007775, 427328262, 1034117706], [1822869960, 838871680, 164273948, 989537253, 1409336834, 748158552, 1363635282, 1115467386], [192388848, 52988889, 147893623, 1095401094, 845368544, 1482183778, 1020628822, 681682177], [1002807023, 1609200424, 1885910555, 875597315, 342289446, 1568211866, 37088628, 1862319700], [771291702, 166578971, 12619209, 376353560, 8743718, 1786378714, 1404128510, 843700184], [627935079, 559096346, 1014059040, 1872693376, 1969527201, 2011450252, 1812116202, 1825637390], [934563349, 240212112, 1745915206, 783123308, 1329565432, 1405253461, 1444438252, 61804014]];

use bento_stark::F;
use bento_vm::hash::Digest;

use crate::circuit::VerifyingKey;

pub fn join_key_digest() -> Digest {
    Digest(JOIN_KEY_DIGEST)
}

pub fn shrink_key() -> VerifyingKey {
    VerifyingKey {
        log_heights: SHRINK_LOG_HEIGHTS,
        preprocessed: SHRINK_PREPROCESSED.iter().map(|d| d.map(F::new)).collect(),
    }
}

/// This file with its constants replaced by the given keys (for the test that keeps it current).
pub fn render(current: &str, join: Digest, shrink: &VerifyingKey) -> String {
    use bento_stark::PrimeField32;
    let header_end = current
        .find("/// The join circuit's key digest.")
        .expect("the file's layout");
    let footer_start = current
        .find("\nuse bento_stark::F;")
        .expect("the file's layout");
    let digests: Vec<[u32; 8]> = shrink
        .preprocessed
        .iter()
        .map(|d| d.map(|x| x.as_canonical_u32()))
        .collect();
    format!(
        "{}/// The join circuit's key digest.\n#[rustfmt::skip]\npub const JOIN_KEY_DIGEST: [u32; 8] = {:?};\n/// The shrink circuit's tables' heights (log2) and preprocessed commitment.\n#[rustfmt::skip]\npub const SHRINK_LOG_HEIGHTS: [usize; 4] = {:?};\n#[rustfmt::skip]\npub const SHRINK_PREPROCESSED: [[u32; 8]; {}] = {:?};\n{}",
        &current[..header_end],
        join.0,
        shrink.log_heights,
        digests.len(),
        digests,
        &current[footer_start..]
    )
}
