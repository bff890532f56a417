//! How dials end: weighted outcomes like `connected:70,missed:20,busy:10`.

use std::fmt;

/// The §4.2 end statuses a simulated call can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Connected,
    Missed,
    Busy,
    Rejected,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Connected => "connected",
            Outcome::Missed => "missed",
            Outcome::Busy => "busy",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Outcome::Connected,
            Outcome::Missed,
            Outcome::Busy,
            Outcome::Rejected,
            Outcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    weights: Vec<(Outcome, u32)>,
}

impl Scenario {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut weights = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part.split_once(':').unwrap_or((part, "1"));
            let outcome = Outcome::parse(name.trim()).ok_or_else(|| {
                format!("unknown outcome '{name}' (connected, missed, busy, rejected, failed)")
            })?;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| format!("weight of '{name}' is not a whole number"))?;
            weights.push((outcome, weight));
        }
        if weights.iter().map(|(_, w)| w).sum::<u32>() == 0 {
            return Err("give at least one outcome with a weight above 0".into());
        }
        Ok(Self { weights })
    }

    pub fn always(outcome: Outcome) -> Self {
        Self {
            weights: vec![(outcome, 1)],
        }
    }

    /// Draws an outcome by weight.
    pub fn pick(&self) -> Outcome {
        let total: u32 = self.weights.iter().map(|(_, w)| w).sum();
        let mut roll = rand::random_range(0..total);
        for &(outcome, weight) in &self.weights {
            if roll < weight {
                return outcome;
            }
            roll -= weight;
        }
        self.weights[0].0
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .weights
            .iter()
            .map(|(o, w)| format!("{}:{w}", o.as_str()))
            .collect();
        write!(f, "{}", parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_picks_by_weight() {
        let s = Scenario::parse("connected:70, missed:20,busy:10").unwrap();
        assert_eq!(s.to_string(), "connected:70,missed:20,busy:10");
        assert_eq!(
            Scenario::parse("busy:0,missed:3").unwrap().pick(),
            Outcome::Missed
        );
        assert!(Scenario::parse("hello:1").is_err());
        assert!(Scenario::parse("missed:x").is_err());
        assert!(Scenario::parse("missed:0").is_err());
    }
}
