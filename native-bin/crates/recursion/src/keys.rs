//! The keys a succinct verifier trusts without compiling their circuits:
//! the join circuit's (its digest, a leaf of every control tree) and the
//! shrink circuit's (which proves every succinct receipt). Compiling both
//! takes seconds; a verifier reads them here. `tests/recursion/keys.rs` compiles the
//! circuits and fails if these are stale; `BENTO_WRITE_KEYS=1 cargo test
//! -p bento-recursion --test recursion keys` rewrites this file.

/// The join circuit's key digest.
#[rustfmt::skip]
pub const JOIN_KEY_DIGEST: [u32; 8] = [853644735, 1175289283, 1413735909, 742701091, 1433125686, 1625083625, 1014580204, 1157329448];
/// The shrink circuit's tables' heights (log2) and preprocessed commitment.
#[rustfmt::skip]
pub const SHRINK_LOG_HEIGHTS: [usize; 4] = [17, 17, 6, 14];
#[rustfmt::skip]
pub const SHRINK_PREPROCESSED: [[u32; 8]; 16] = [[1116091047, 738270359, 1966690421, 13624118, 1208811448, 1333397688, 1103691654, 1991535081], [660477499, 1110466162, 1673653811, 421098670, 1470129330, 1019340031, 881490494, 698579148], [556947083, 1184402102, 1068000637, 1400133515, 1274703823, 746951598, 84962240, 1897854784], [485309136, 899214005, 244198683, 144084492, 1862046578, 714509322, 693028692, 77504782], [1941576694, 1432106382, 82309813, 43497823, 1660859742, 709163717, 446631848, 1759381611], [1228038865, 119305551, 291209008, 206243599, 860886500, 1419253278, 742792472, 282970577], [493793522, 1889229207, 165903447, 1283883097, 579085091, 1203238627, 513769951, 461218248], [1504359813, 869738867, 854487604, 1440367800, 690816862, 1773845074, 967675850, 1008356599], [678845900, 1644342849, 735055895, 1478067610, 1092778817, 1767376905, 462241995, 1560602385], [520074507, 1623430493, 1071433098, 1052648620, 654769172, 1056866005, 1070378385, 1815500310], [1033583795, 1651848855, 1986964055, 169789412, 531596682, 581241807, 665320708, 1894762230], [476057861, 1030023055, 1197707263, 855488075, 327017479, 521447056, 1980448938, 25979546], [1087242248, 629611662, 142025484, 157579454, 836141129, 1640492844, 545611185, 338423481], [267757301, 1012245419, 1421730822, 1188308748, 1591930963, 8828363, 635692629, 498093762], [1695425639, 1853456067, 561348176, 1589863811, 1141727814, 1574888488, 633712336, 1551305834], [1448028778, 875331717, 1714756220, 807332163, 504607481, 1258392638, 85777785, 1665880411]];

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
