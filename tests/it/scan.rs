//! `nearcopy scan`: documents, clusters, formats, errors.

use crate::common::*;

#[test]
fn seeds_are_not_near_duplicates() {
    let out = nearcopy()
        .args(["scan", "corpus/news", "--format", "json"])
        .assert()
        .success();
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["documents"].as_array().map(Vec::len), Some(5));
    assert_eq!(v["clusters"].as_array().map(Vec::len), Some(0));
}
