//! The keys a succinct verifier trusts without compiling their circuits:
//! the join circuit's (its digest, a leaf of every control tree) and the
//! shrink circuit's (which proves every succinct receipt). Compiling both
//! takes seconds; a verifier reads them here. `tests/recursion/keys.rs` compiles the
//! circuits and fails if these are stale; `BENTO_WRITE_KEYS=1 cargo test
//! -p bento-recursion --test recursion keys` rewrites this file.

/// The join circuit's key digest.
#[rustfmt::skip]
pub const JOIN_KEY_DIGEST: [u32; 8] = [633540562, 823140659, 715758917, 929626750, 1664380430, 683231273, 1089981414, 1457647595];
/// The shrink circuit's tables' heights (log2) and preprocessed commitment.
#[rustfmt::skip]
pub const SHRINK_LOG_HEIGHTS: [usize; 4] = [17, 17, 7, 14];
#[rustfmt::skip]
pub const SHRINK_PREPROCESSED: [[u32; 8]; 16] = [[338474089, 1055909713, 1433757208, 1922810787, 1493466648, 203919773, 66910595, 910632173], [912335008, 1915153938, 1941870629, 1497816466, 153271309, 50767757, 1255211016, 1911213107], [531772586, 1003828097, 475593337, 1436276284, 1280985669, 1016675104, 1680677555, 869042577], [1308977851, 469960204, 643894364, 1056091235, 278448753, 419403273, 510593307, 1626906162], [202230596, 307708573, 339036243, 299142555, 1697029917, 403023923, 1461114313, 1042712207], [1033256303, 223624297, 1599268932, 1003033295, 1759252439, 1818747979, 877209278, 910950721], [1664527609, 34822720, 1688621895, 1069197879, 1680956954, 1658060672, 959252926, 1105782735], [1322472397, 126765987, 1184303096, 610538375, 274399528, 1331134769, 1331999084, 517052954], [1592697919, 1967603884, 538369914, 1971871721, 162750050, 893921874, 1647980250, 687539941], [1156460784, 1547592120, 1588574375, 317188605, 67901033, 1716801124, 1167900500, 395463125], [509787493, 694734970, 1336736524, 1792183629, 1231221163, 661533107, 127167928, 430864017], [672798845, 990608185, 98133332, 370759564, 1254191860, 1646389203, 1842088633, 1167368420], [1836367811, 845244967, 1768246606, 1879778968, 512016250, 1170288548, 1223518447, 1819922453], [1872762844, 2408147, 555423061, 535372761, 185523334, 860897889, 148596264, 999724910], [1525741491, 692906885, 1747548456, 1578575677, 1231290684, 722530870, 1885618986, 798350760], [1655433542, 717721634, 1125778060, 259139071, 211228855, 1473963122, 851449206, 1621494373]];

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
