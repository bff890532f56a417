//! The page's Chinese words for the API's values (`assets/web/js/format.js`) are the server's
//! (issue 28): the words an export writes and an import reads back are the ones the page shows.

use std::collections::BTreeMap;

/// `export const NAME = { code: '词', … };` of format.js, as a map.
fn page_words(name: &str) -> BTreeMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/web/js/format.js");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text
        .find(&format!("export const {name} = {{"))
        .unwrap_or_else(|| panic!("format.js has no {name}"));
    let body = &text[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("};").unwrap()];
    body.split(',')
        .filter_map(|pair| {
            let (code, word) = pair.split_once(':')?;
            let word = word.trim().trim_matches('\'');
            Some((code.trim().to_string(), word.to_string()))
        })
        .collect()
}

fn server_words(pairs: impl Iterator<Item = (&'static str, String)>) -> BTreeMap<String, String> {
    pairs.map(|(code, word)| (code.to_string(), word)).collect()
}

#[test]
fn follow_statuses_and_levels_read_the_same_on_the_page() {
    use dialbox::customers::words;
    let statuses = server_words(words::status_words().map(|(c, w)| (c, w.to_string())));
    assert_eq!(page_words("FOLLOW_STATUS"), statuses);
    assert_eq!(statuses.len(), dialbox::customers::FOLLOW_STATUSES.len());
    let levels = server_words(words::level_words().map(|(c, w)| (c, w.to_string())));
    assert_eq!(page_words("LEVEL"), levels);
}

#[test]
fn call_statuses_read_the_same_on_the_page() {
    use dialbox::states::call::{CALL_STATUSES, status_word};
    let server = server_words(
        CALL_STATUSES
            .iter()
            .map(|&code| (code, status_word(code).to_string())),
    );
    assert_eq!(page_words("CALL_STATUS"), server);
}
