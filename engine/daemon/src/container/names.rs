//! Generated container names, `adjective_noun` like Docker's, from our own
//! word lists (things of the sea and harbours, for a tool called berth).

use rand::seq::IndexedRandom;

const ADJECTIVES: &[&str] = &[
    "agile", "amber", "bold", "brave", "bright", "briny", "calm", "clever", "coastal", "cosy",
    "daring", "deep", "eager", "early", "fair", "fearless", "gentle", "glad", "golden", "happy",
    "hardy", "hearty", "honest", "jolly", "keen", "kind", "lively", "lucky", "merry", "mighty",
    "misty", "nimble", "noble", "patient", "plucky", "proud", "quick", "quiet", "rapid", "salty",
    "serene", "sharp", "shiny", "silent", "sleek", "snug", "solid", "steady", "stormy", "sturdy",
    "sunny", "swift", "tidy", "trusty", "vivid", "warm", "wise", "witty", "young", "zesty",
];

const NOUNS: &[&str] = &[
    "anchor",
    "barge",
    "beacon",
    "bollard",
    "bosun",
    "buoy",
    "cabin",
    "canal",
    "cargo",
    "compass",
    "coral",
    "cove",
    "crane",
    "current",
    "deck",
    "dinghy",
    "dock",
    "dolphin",
    "ferry",
    "fjord",
    "galley",
    "gull",
    "harbor",
    "hatch",
    "helm",
    "hull",
    "island",
    "jetty",
    "keel",
    "kelp",
    "lagoon",
    "lantern",
    "lighthouse",
    "lock",
    "mast",
    "mooring",
    "narwhal",
    "orca",
    "otter",
    "pelican",
    "pier",
    "pilot",
    "porpoise",
    "quay",
    "reef",
    "rudder",
    "sail",
    "schooner",
    "seal",
    "shoal",
    "skiff",
    "starfish",
    "tanker",
    "tide",
    "tugboat",
    "walrus",
    "wave",
    "wharf",
    "whale",
    "yacht",
];

/// A name not yet taken; `taken` says whether one is in use.
pub fn generate(taken: impl Fn(&str) -> bool) -> String {
    let mut rng = rand::rng();
    for attempt in 0..64 {
        let adjective = ADJECTIVES.choose(&mut rng).expect("non-empty list");
        let noun = NOUNS.choose(&mut rng).expect("non-empty list");
        let name = if attempt < 8 {
            format!("{adjective}_{noun}")
        } else {
            format!("{adjective}_{noun}{}", attempt)
        };
        if !taken(&name) {
            return name;
        }
    }
    format!("container_{:08x}", rand::random::<u32>())
}

/// Docker's rule for user-given names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_avoid_taken_ones() {
        let first = generate(|_| false);
        assert!(first.contains('_'));
        let other = generate(|n| n == first);
        assert_ne!(other, first);
    }

    #[test]
    fn name_rules() {
        assert!(valid("web-1"));
        assert!(!valid("-web"));
        assert!(!valid("a"));
        assert!(!valid("has space"));
    }
}
