//! The expiry policy: which lifetimes a new token may get. Enforced here, so no face (desktop,
//! HTTP, CLI) can create a token the policy forbids; the UI only mirrors what it allows.

use crate::clock::{format_utc, Millis, DAY, HOUR};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExpiryPreset {
    OneHour,
    OneDay,
    SevenDays,
    ThirtyDays,
    SixtyDays,
    NinetyDays,
    OneYear,
}

impl ExpiryPreset {
    pub const ALL: [ExpiryPreset; 7] = [
        ExpiryPreset::OneHour,
        ExpiryPreset::OneDay,
        ExpiryPreset::SevenDays,
        ExpiryPreset::ThirtyDays,
        ExpiryPreset::SixtyDays,
        ExpiryPreset::NinetyDays,
        ExpiryPreset::OneYear,
    ];

    pub fn duration(self) -> Millis {
        match self {
            ExpiryPreset::OneHour => HOUR,
            ExpiryPreset::OneDay => DAY,
            ExpiryPreset::SevenDays => 7 * DAY,
            ExpiryPreset::ThirtyDays => 30 * DAY,
            ExpiryPreset::SixtyDays => 60 * DAY,
            ExpiryPreset::NinetyDays => 90 * DAY,
            ExpiryPreset::OneYear => 365 * DAY,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ExpiryPreset::OneHour => "1 hour",
            ExpiryPreset::OneDay => "1 day",
            ExpiryPreset::SevenDays => "7 days",
            ExpiryPreset::ThirtyDays => "30 days",
            ExpiryPreset::SixtyDays => "60 days",
            ExpiryPreset::NinetyDays => "90 days",
            ExpiryPreset::OneYear => "1 year",
        }
    }
}

/// What the person asked for when creating a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ExpiryChoice {
    Preset {
        preset: ExpiryPreset,
    },
    /// An absolute instant in milliseconds since the epoch.
    Custom {
        #[serde(deserialize_with = "integral")]
        at: Millis,
    },
    Never,
}

/// An integer as JSON Schema counts them: `61801.0` is the integer 61801; `1.5` is refused.
fn integral<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<i64, D::Error> {
    use serde::de::Error as _;
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        // 2^63 is the first f64 past i64::MAX.
        Some(f)
            if f.fract() == 0.0
                && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) =>
        {
            Ok(f as i64)
        }
        _ => Err(D::Error::custom(
            "expected an integer (milliseconds since the epoch)",
        )),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExpiryPolicy {
    /// Presets offered, in display order.
    pub presets: Vec<ExpiryPreset>,
    pub allow_custom: bool,
    pub allow_never: bool,
    pub max_lifetime_days: u32,
    /// Pre-selected in the Add dialog; a preset or `never`.
    pub default_choice: ExpiryChoice,
    /// Lifetime of a signed token (JWT) from token exchange, in minutes (1 to 60; never past
    /// its parent token's expiry). Offline verifiers accept one until it expires, even after
    /// the parent is revoked: keep it short.
    #[serde(default = "default_signed_minutes")]
    pub signed_token_minutes: u32,
}

fn default_signed_minutes() -> u32 {
    crate::jwt::DEFAULT_MINUTES
}

impl Default for ExpiryPolicy {
    fn default() -> Self {
        ExpiryPolicy {
            presets: ExpiryPreset::ALL.to_vec(),
            allow_custom: true,
            allow_never: false,
            max_lifetime_days: 365,
            default_choice: ExpiryChoice::Preset {
                preset: ExpiryPreset::ThirtyDays,
            },
            signed_token_minutes: crate::jwt::DEFAULT_MINUTES,
        }
    }
}

impl ExpiryPolicy {
    pub fn max_lifetime(&self) -> Millis {
        self.max_lifetime_days as Millis * DAY
    }

    /// A policy must be internally consistent before it is stored.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidInput(m));
        if self.max_lifetime_days == 0 {
            return bad("The maximum lifetime must be at least 1 day.".into());
        }
        if !(1..=crate::jwt::MAX_MINUTES).contains(&self.signed_token_minutes) {
            return bad(format!(
                "Signed tokens live from 1 to {} minutes.",
                crate::jwt::MAX_MINUTES
            ));
        }
        if self.presets.is_empty() && !self.allow_custom && !self.allow_never {
            return bad("The policy must offer at least one way to choose an expiry.".into());
        }
        for p in &self.presets {
            if p.duration() > self.max_lifetime() {
                return bad(format!(
                    "The preset {} is longer than the maximum lifetime of {} days.",
                    p.label(),
                    self.max_lifetime_days
                ));
            }
        }
        match self.default_choice {
            ExpiryChoice::Preset { preset } if !self.presets.contains(&preset) => bad(format!(
                "The default choice {} is not among the offered presets.",
                preset.label()
            )),
            ExpiryChoice::Preset { preset } if preset.duration() > self.max_lifetime() => bad(
                format!(
                    "The maximum lifetime ({} days) is shorter than the default choice ({}).",
                    self.max_lifetime_days,
                    preset.label()
                ),
            ),
            ExpiryChoice::Never if !self.allow_never => {
                bad("The default choice is \u{201c}never\u{201d} but the policy does not allow tokens that never expire.".into())
            }
            ExpiryChoice::Custom { .. } => bad("The default choice must be a preset or \u{201c}never\u{201d}.".into()),
            _ => Ok(()),
        }
    }

    /// The expiry of a rotated token's successor: the same lifetime (`None` = never) from now,
    /// allowed if the policy still allows that long a lifetime (the preset or custom date it
    /// came from need not be offered any more).
    pub fn renew(&self, lifetime: Option<Millis>, now: Millis) -> Result<Option<Millis>> {
        match lifetime {
            None if self.allow_never => Ok(None),
            None => Err(Error::InvalidExpiry(
                "The expiry policy no longer allows authorizations that never expire; create a new one with an expiry instead.".into(),
            )),
            Some(len) if len > self.max_lifetime() => Err(Error::InvalidExpiry(format!(
                "This authorization lived {} days, longer than the policy's maximum of {} days now; create a new one instead.",
                len.div_euclid(DAY),
                self.max_lifetime_days
            ))),
            Some(len) => Ok(Some(now + len.max(1))),
        }
    }

    /// Turns a choice into an absolute expiry (`None` = never), or says why it is not allowed.
    pub fn resolve(&self, choice: ExpiryChoice, now: Millis) -> Result<Option<Millis>> {
        let bad = |m: String| Err(Error::InvalidExpiry(m));
        match choice {
            ExpiryChoice::Preset { preset } => {
                if !self.presets.contains(&preset) || preset.duration() > self.max_lifetime() {
                    return bad(format!(
                        "The expiry policy does not offer {}.",
                        preset.label()
                    ));
                }
                Ok(Some(now + preset.duration()))
            }
            ExpiryChoice::Custom { at } => {
                if !self.allow_custom {
                    return bad("The expiry policy does not allow a custom expiry date.".into());
                }
                if at <= now {
                    return bad(format!(
                        "The expiry date {} is in the past. Choose a date in the future.",
                        format_utc(at)
                    ));
                }
                let latest = now + self.max_lifetime();
                if at > latest {
                    return bad(format!(
                        "The expiry date is past the maximum lifetime of {} days. The latest allowed is {}.",
                        self.max_lifetime_days,
                        format_utc(latest)
                    ));
                }
                Ok(Some(at))
            }
            ExpiryChoice::Never => {
                if self.allow_never {
                    Ok(None)
                } else {
                    bad("The expiry policy does not allow authorizations that never expire.".into())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SECOND;
    use crate::ErrorCode;

    const NOW: Millis = 1_800_000_000_000;

    #[test]
    fn default_policy_is_valid_and_as_documented() {
        let p = ExpiryPolicy::default();
        p.validate().unwrap();
        assert!(!p.allow_never);
        assert_eq!(p.max_lifetime_days, 365);
        assert_eq!(
            p.default_choice,
            ExpiryChoice::Preset {
                preset: ExpiryPreset::ThirtyDays
            }
        );
    }

    #[test]
    fn presets_resolve_from_now() {
        let p = ExpiryPolicy::default();
        for preset in ExpiryPreset::ALL {
            let at = p.resolve(ExpiryChoice::Preset { preset }, NOW).unwrap();
            assert_eq!(at, Some(NOW + preset.duration()));
        }
    }

    #[test]
    fn never_only_when_allowed() {
        let mut p = ExpiryPolicy::default();
        let e = p.resolve(ExpiryChoice::Never, NOW).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidExpiry);
        p.allow_never = true;
        assert_eq!(p.resolve(ExpiryChoice::Never, NOW).unwrap(), None);
    }

    #[test]
    fn custom_edges_one_second_either_side() {
        let p = ExpiryPolicy::default();
        let custom = |at| p.resolve(ExpiryChoice::Custom { at }, NOW);
        assert!(custom(NOW - SECOND).is_err());
        assert!(custom(NOW).is_err());
        assert_eq!(custom(NOW + SECOND).unwrap(), Some(NOW + SECOND));
        let max = NOW + 365 * DAY;
        assert_eq!(custom(max).unwrap(), Some(max));
        assert_eq!(custom(max - SECOND).unwrap(), Some(max - SECOND));
        let e = custom(max + SECOND).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidExpiry);
        assert!(e.to_string().contains("maximum lifetime"));
    }

    #[test]
    fn custom_refused_when_policy_forbids_it() {
        let p = ExpiryPolicy {
            allow_custom: false,
            ..Default::default()
        };
        assert!(p
            .resolve(ExpiryChoice::Custom { at: NOW + DAY }, NOW)
            .is_err());
    }

    #[test]
    fn preset_not_offered_is_refused() {
        let p = ExpiryPolicy {
            presets: vec![ExpiryPreset::SevenDays, ExpiryPreset::ThirtyDays],
            ..Default::default()
        };
        p.validate().unwrap();
        let e = p
            .resolve(
                ExpiryChoice::Preset {
                    preset: ExpiryPreset::OneYear,
                },
                NOW,
            )
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidExpiry);
    }

    #[test]
    fn inconsistent_policies_are_rejected() {
        let short = ExpiryPolicy {
            max_lifetime_days: 7,
            presets: vec![ExpiryPreset::OneDay, ExpiryPreset::SevenDays],
            default_choice: ExpiryChoice::Preset {
                preset: ExpiryPreset::ThirtyDays,
            },
            ..Default::default()
        };
        assert!(short.validate().is_err());
        let long_preset = ExpiryPolicy {
            max_lifetime_days: 30,
            ..Default::default()
        };
        assert!(long_preset.validate().is_err());
        let never_default = ExpiryPolicy {
            default_choice: ExpiryChoice::Never,
            ..Default::default()
        };
        assert!(never_default.validate().is_err());
        let nothing = ExpiryPolicy {
            presets: vec![],
            allow_custom: false,
            allow_never: false,
            default_choice: ExpiryChoice::Never,
            ..Default::default()
        };
        assert!(nothing.validate().is_err());
        let zero = ExpiryPolicy {
            max_lifetime_days: 0,
            ..Default::default()
        };
        assert!(zero.validate().is_err());
    }
}
