//! The keys a succinct verifier trusts without compiling their circuits:
//! the join circuit's (its digest, a leaf of every control tree) and the
//! shrink circuit's (which proves every succinct receipt). Compiling both
//! takes seconds; a verifier reads them here. `tests/recursion/keys.rs` compiles the
//! circuits and fails if these are stale; `BENTO_WRITE_KEYS=1 cargo test
//! -p bento-recursion --test recursion keys` rewrites this file.

/// The join circuit's key digest.
#[rustfmt::skip]
pub const JOIN_KEY_DIGEST: [u32; 8] = [1966892710, 1229577924, 450748373, 379768875, 1568240204, 1216120462, 1287564229, 1446182231];
/// The shrink circuit's tables' heights (log2) and preprocessed commitment.
#[rustfmt::skip]
pub const SHRINK_LOG_HEIGHTS: [usize; 4] = [17, 17, 7, 14];
#[rustfmt::skip]
pub const SHRINK_PREPROCESSED: [[u32; 8]; 16] = [[79202277, 551170470, 667194158, 80234468, 1960375556, 553614576, 461884981, 173133030], [1298396995, 1150346551, 280086725, 109102193, 1426871334, 1235333448, 1909825198, 364520518], [140927797, 1614916623, 1379737309, 1094943729, 1825291296, 173548293, 434866666, 774449540], [405640794, 636136754, 459786622, 87885986, 1707522218, 483682480, 1197519876, 936641620], [1915036640, 1951695109, 1057975280, 415608641, 460913623, 1584834983, 867278123, 1907124678], [600511928, 344870091, 1451033096, 818929878, 1081859100, 429816653, 611510232, 1327228925], [1386595582, 1068266969, 1750842808, 385183891, 890805288, 311374379, 22540925, 1850129078], [622187462, 1839862427, 419168432, 908945847, 794197990, 1180656781, 2008360544, 34923224], [1983250133, 1333474133, 1759084375, 635616350, 273759419, 759659528, 900831974, 598981138], [352073544, 1987935870, 1890363935, 386679961, 1787657451, 1652263796, 1582656481, 359466839], [1306151733, 924305702, 1122203481, 1858881124, 536710670, 394319674, 1270635088, 1854749609], [535588195, 1409494080, 176222115, 952525642, 1499450859, 898939507, 1197719274, 1036042125], [945170216, 1635936742, 542599093, 1506532241, 827556338, 780995256, 994541897, 1190390964], [1712122212, 1424854554, 434945781, 1428275951, 833223752, 1176732329, 807721284, 117481102], [992770882, 657868553, 361458519, 1444663948, 1115679555, 1480419755, 797057991, 1681277311], [1982636750, 1192734869, 272573459, 1366911223, 160211278, 1814324258, 736620890, 223883659]];

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
