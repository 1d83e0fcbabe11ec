//! The keys a succinct verifier trusts without compiling their circuits:
//! the join circuit's (its digest, a leaf of every control tree) and the
//! shrink circuit's (which proves every succinct receipt). Compiling both
//! takes seconds; a verifier reads them here. `tests/keys.rs` compiles the
//! circuits and fails if these are stale; `BENTO_WRITE_KEYS=1 cargo test
//! -p bento-recursion --test keys` rewrites this file.

/// The join circuit's key digest.
#[rustfmt::skip]
pub const JOIN_KEY_DIGEST: [u32; 8] = [1604431165, 905710834, 1324381822, 1443512345, 637223231, 1194959808, 1058124582, 1880337407];
/// The shrink circuit's tables' heights (log2) and preprocessed commitment.
#[rustfmt::skip]
pub const SHRINK_LOG_HEIGHTS: [usize; 4] = [17, 17, 6, 14];
#[rustfmt::skip]
pub const SHRINK_PREPROCESSED: [[u32; 8]; 16] = [[1851438785, 32911746, 361966417, 1945043472, 538215663, 951213172, 1828357642, 832201365], [1967716797, 1800372300, 136855126, 986849106, 189396888, 1714369645, 1870250831, 1513262627], [1768360562, 1137388292, 319798987, 708032207, 787863036, 1470050669, 264085157, 1283644785], [1857184203, 321060185, 668441278, 1797456516, 1071846297, 1305723441, 989447874, 219964608], [1596518252, 1678048565, 1211991478, 1464923142, 792672231, 1812708430, 1073020327, 1296820188], [1468166086, 364537014, 309102365, 161826716, 128686175, 540914193, 872360964, 197537802], [107087358, 1375928890, 301583144, 1732549482, 1582700658, 1762719060, 1440611813, 367629201], [1558352214, 414056416, 333774229, 1143149163, 153714377, 224306297, 1210588939, 508506394], [1754661358, 1594153451, 1017633390, 252137668, 918609598, 2005255021, 428147834, 682146765], [1918475702, 1095107038, 601185712, 1415435777, 679786249, 50187564, 1246447867, 1091903959], [1651858699, 742408812, 1526879270, 648219789, 1006784108, 1447914917, 574205399, 1916968934], [749062435, 1770903198, 330539651, 1517779968, 659903887, 200554869, 1759742167, 872444666], [248583424, 1675149126, 1193447784, 1761314902, 413484833, 1082989768, 1566320807, 83412990], [836787171, 1680695153, 84713171, 1899259379, 869623283, 1965835366, 706222325, 507493058], [51895314, 897558985, 1658384083, 470072532, 366733719, 1184433411, 563493674, 67233125], [209483520, 1882955397, 1757352898, 742954194, 468085244, 1000383852, 118194123, 1352044631]];

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
