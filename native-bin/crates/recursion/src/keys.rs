//! The keys a succinct verifier trusts without compiling their circuits:
//! the join circuit's (its digest, a leaf of every control tree) and the
//! shrink circuit's (which proves every succinct receipt). Compiling both
//! takes seconds; a verifier reads them here. `tests/recursion/keys.rs` compiles the
//! circuits and fails if these are stale; `BENTO_WRITE_KEYS=1 cargo test
//! -p bento-recursion --test recursion keys` rewrites this file.

/// The join circuit's key digest.
#[rustfmt::skip]
pub const JOIN_KEY_DIGEST: [u32; 8] = [1066047044, 342635157, 776823996, 1253305708, 69059577, 946825745, 1642119992, 1386473356];
/// The shrink circuit's tables' heights (log2) and preprocessed commitment.
#[rustfmt::skip]
pub const SHRINK_LOG_HEIGHTS: [usize; 4] = [17, 17, 6, 14];
#[rustfmt::skip]
pub const SHRINK_PREPROCESSED: [[u32; 8]; 16] = [[417097969, 646505804, 1857105671, 1404500606, 473044385, 1885717014, 1293410689, 915197242], [1015036941, 686228484, 1978375025, 553018361, 1821302374, 825132459, 689971509, 112338059], [1003586768, 1980814515, 1509744787, 538352177, 579686888, 652740317, 1059758672, 21714235], [1492650618, 141336798, 1154328683, 84516429, 629729986, 670631126, 168120904, 1528865947], [1786743149, 1097818788, 1846618966, 1041123853, 983823902, 1073050135, 1461794869, 900848485], [1406484563, 1157321804, 1749869744, 1762996313, 1138492142, 1732219871, 1539017142, 1303605292], [1571226167, 863646528, 1730682748, 1232152508, 1394509697, 509562217, 525962690, 1530807260], [1051003792, 258633180, 1251459810, 1700840813, 1731120808, 758260589, 1331643400, 1716693705], [1241600743, 1926483461, 1570505867, 1212123307, 1128214628, 31591004, 378014914, 1971737109], [480101372, 49628656, 651974779, 627034545, 327471011, 792579979, 760857037, 1551451733], [156861589, 828873754, 524484921, 1998413771, 1189551586, 914151171, 1950791918, 91531891], [1790966290, 1138602623, 213266336, 1760328499, 215482107, 377915772, 1721592890, 244006202], [1105374283, 265384068, 757720675, 1516108208, 1244570402, 1637630718, 1103714426, 1902846726], [1238899607, 1454245410, 873264932, 137577507, 587693214, 1167921291, 1625646737, 1014536086], [1689321295, 616780710, 361785981, 2000244898, 309009085, 1834494511, 1151821332, 318824415], [644655734, 514515926, 1634468126, 934812408, 1014127829, 1704267022, 1717396061, 1527797607]];

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
