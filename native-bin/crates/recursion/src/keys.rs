//! The keys a succinct verifier trusts without compiling their circuits:
//! the join circuit's (its digest, a leaf of every control tree) and the
//! shrink circuit's (which proves every succinct receipt). Compiling both
//! takes seconds; a verifier reads them here. `tests/keys.rs` compiles the
//! circuits and fails if these are stale; `BENTO_WRITE_KEYS=1 cargo test
//! -p bento-recursion --test keys` rewrites this file.

/// The join circuit's key digest.
#[rustfmt::skip]
pub const JOIN_KEY_DIGEST: [u32; 8] = [1966892710, 1229577924, 450748373, 379768875, 1568240204, 1216120462, 1287564229, 1446182231];
/// The shrink circuit's tables' heights (log2) and preprocessed commitment.
#[rustfmt::skip]
pub const SHRINK_LOG_HEIGHTS: [usize; 4] = [17, 17, 6, 14];
#[rustfmt::skip]
pub const SHRINK_PREPROCESSED: [[u32; 8]; 16] = [[1175039017, 720872375, 1986919558, 398232920, 359954832, 152547941, 1071392615, 1480420426], [1520670703, 1511475253, 641692644, 439087276, 656777471, 369491055, 1064636437, 730435958], [441105905, 1708987093, 1020440572, 1574865098, 1381002965, 1407282262, 1111378549, 1731833489], [1260228534, 1391987296, 719259311, 741155663, 1747367778, 1017917803, 1181884103, 1237296454], [1606883239, 669697957, 1392721567, 373155183, 1351436096, 576990947, 499990510, 1747751455], [1066696497, 735422952, 1450436041, 934648743, 653477620, 936307177, 642140257, 488287709], [948590002, 1505746842, 889107310, 1582075402, 535758117, 8186968, 402233331, 1438526528], [1723467930, 974912733, 1686151809, 1098732520, 533399373, 808372151, 1851953636, 202874358], [248166599, 1936845330, 631602072, 1305333279, 1468730243, 1875353860, 540699270, 19392084], [1411196374, 467394520, 1945076951, 985165481, 210735600, 1235014525, 832414334, 742882350], [864533328, 412832946, 240171073, 1523463188, 572667844, 363766377, 1681028134, 1869103844], [1055839495, 124964050, 1643440831, 1531868438, 1992094292, 1670215752, 559462119, 331698780], [248580246, 1826416166, 1952641882, 1940093068, 1368511557, 752106523, 750121318, 1108348685], [916158913, 1576029872, 232192919, 457290987, 680885302, 424882532, 285219243, 1300496030], [375043478, 914880159, 699601702, 1416400158, 1214562520, 1411685868, 1525482, 1369009326], [397047170, 1036797986, 117250677, 1877434125, 1508695156, 541122779, 1425669944, 721448346]];

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
