//! The keys a succinct verifier trusts without compiling their circuits:
//! the join circuit's (its digest, a leaf of every control tree) and the
//! shrink circuit's (which proves every succinct receipt). Compiling both
//! takes seconds; a verifier reads them here. `tests/recursion/keys.rs` compiles the
//! circuits and fails if these are stale; `BENTO_WRITE_KEYS=1 cargo test
//! -p bento-recursion --test recursion keys` rewrites this file.

/// The join circuit's key digest.
#[rustfmt::skip]
pub const JOIN_KEY_DIGEST: [u32; 8] = [781021627, 777416669, 1955930949, 1734205073, 107669819, 734428554, 84912215, 193914571];
/// The shrink circuit's tables' heights (log2) and preprocessed commitment.
#[rustfmt::skip]
pub const SHRINK_LOG_HEIGHTS: [usize; 4] = [17, 17, 6, 14];
#[rustfmt::skip]
pub const SHRINK_PREPROCESSED: [[u32; 8]; 16] = [[1153312889, 323409870, 623924898, 590374267, 502765702, 1281657472, 1335554763, 1799263836], [1752872579, 1983872511, 1931229965, 240593908, 1409980618, 1034506893, 1449574842, 1118270427], [1210262736, 622255787, 34011316, 1767379847, 1453762181, 998241860, 996927333, 881537358], [1658981328, 1503527358, 929210907, 1568150991, 1031805429, 1625572772, 1197490891, 1332486883], [1546726732, 1476978908, 305217423, 1677593614, 1185773928, 652214084, 329547208, 1482319289], [222292228, 1806671061, 1553241184, 956950887, 460060525, 764490436, 914483234, 1898666358], [476909756, 1153923450, 983420765, 748049686, 1484131270, 1664590582, 420006578, 251554253], [117928008, 948181106, 1016882548, 147703795, 1468930955, 646313602, 1554097336, 851656589], [916725417, 1390654529, 660546832, 408106866, 1465459840, 1419565052, 1860300735, 529582673], [466487472, 787116105, 368469635, 1456502614, 1383938385, 1500336749, 1727025326, 1521088389], [1652096315, 1806935125, 1797291721, 149751401, 607754449, 217065708, 1216536876, 1796683351], [567651300, 1257415728, 658241303, 1148455849, 480823027, 925143504, 836867130, 246549164], [1927389749, 664438823, 1491720367, 1952799609, 446164357, 640193928, 276580293, 75628170], [752588551, 825499753, 141189457, 1179267569, 1484325083, 1692246299, 1887176902, 1512509097], [1236465019, 769815783, 1807215260, 1337397440, 1028592422, 1675207727, 524566262, 748567016], [160193336, 822247968, 1921301971, 1263190383, 1505603599, 278744150, 1072385136, 1136881274]];

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
