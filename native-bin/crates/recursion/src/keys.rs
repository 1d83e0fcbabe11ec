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
pub const SHRINK_LOG_HEIGHTS: [usize; 4] = [17, 17, 6, 14];
#[rustfmt::skip]
pub const SHRINK_PREPROCESSED: [[u32; 8]; 16] = [[867833101, 1645686567, 527729898, 460680291, 145347030, 534615466, 1554572196, 1145003234], [1102643999, 100666777, 588323275, 1066560105, 1902273502, 61847776, 935284268, 186061623], [474746217, 233108084, 255900087, 634843706, 51280373, 633645929, 262238461, 1321252838], [1370034838, 1383951213, 1270252077, 1247012633, 197256081, 2010721111, 890843512, 694784875], [1467497743, 1058057, 496061965, 1589139481, 1216187135, 617649681, 1842122355, 115108308], [1018014181, 1904413824, 1614454740, 692713946, 857021112, 949853899, 1361459719, 121771796], [1142242192, 242775851, 960841348, 1460279122, 1241282510, 803620182, 1910616855, 90040478], [412787871, 449567808, 396756799, 468476333, 192344371, 1838703363, 2003858828, 1590259212], [498808611, 1403933107, 973692673, 132959801, 115657795, 392308818, 382752675, 1449950719], [1534207, 582133527, 1760107179, 1985723626, 154068496, 1652120670, 1249237845, 844896157], [470962081, 285788702, 283219781, 1256927364, 1526022293, 180795602, 960415802, 1921383675], [319807473, 1072551414, 99670121, 1396530605, 1692096021, 1584653833, 1445658122, 1574694649], [1539955197, 106437544, 1199906886, 768498950, 95560519, 1862243244, 1452623538, 918076794], [1281628946, 1806524877, 941650682, 1169491827, 1003560035, 1178260980, 794402716, 541847702], [743945801, 1043307356, 1269204545, 1942030995, 1404293875, 369666114, 583299465, 1220128294], [244031496, 1990814687, 1527403373, 384677271, 1041212586, 1498495942, 1082486702, 1608430228]];

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
