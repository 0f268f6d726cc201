//! Who and where: a person is a platform plus that platform's user id, and a post goes to a
//! customer's DM, the agents' or managers' channel, or a case's staff thread.

use super::code::codes;
use super::CaseId;
use serde::{Deserialize, Serialize};
use std::fmt;

codes! {
    /// A chat platform. `Local` is the machine and terminal chats (jsonl, console), whose user
    /// ids are written bare; the others qualify their ids (`discord:123`), so two platforms'
    /// users never share an id.
    pub enum Platform ("platform") {
        Local => "local",
        Discord => "discord",
        Slack => "slack",
    }
}

/// A person on a chat platform (customer, agent or manager): the platform and its user id.
/// Written `discord:123` (or bare for `Local`), which is how the database keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChatUserId {
    platform: Platform,
    id: String,
}

impl ChatUserId {
    pub fn on(platform: Platform, id: impl Into<String>) -> ChatUserId {
        ChatUserId { platform, id: id.into() }
    }

    /// Reads the written form back: a known platform's prefix qualifies the id; anything else
    /// is a local id, kept whole.
    pub fn parse(written: &str) -> ChatUserId {
        let qualified = written.split_once(':').and_then(|(prefix, id)| {
            let platform = Platform::parse(prefix).filter(|p| *p != Platform::Local)?;
            Some(ChatUserId::on(platform, id))
        });
        qualified.unwrap_or_else(|| ChatUserId::on(Platform::Local, written))
    }

    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// The id the platform itself knows (a Discord snowflake, a Slack `U...`).
    pub fn platform_id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for ChatUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.platform {
            Platform::Local => f.write_str(&self.id),
            platform => write!(f, "{platform}:{}", self.id),
        }
    }
}

impl Serialize for ChatUserId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ChatUserId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|written| ChatUserId::parse(&written))
    }
}

/// Where a message goes. Staff destinations live on the staff platform (`[staff] platform`);
/// a customer is answered on the platform they wrote on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    Dm(ChatUserId),
    Agents,
    Managers,
    /// A case's staff thread.
    Thread(CaseId),
}

impl Address {
    /// The platform that delivers a message to this address.
    pub fn platform(&self, staff: Platform) -> Platform {
        match self {
            Address::Dm(user) => user.platform(),
            Address::Agents | Address::Managers | Address::Thread(_) => staff,
        }
    }

    /// Reads `dm:<user>`, `channel:agents`, `channel:managers` or `thread:<case>`.
    pub fn parse(written: &str) -> Option<Address> {
        match written.split_once(':')? {
            ("dm", user) if !user.is_empty() => Some(Address::Dm(ChatUserId::parse(user))),
            ("channel", "agents") => Some(Address::Agents),
            ("channel", "managers") => Some(Address::Managers),
            ("thread", case) => case.parse().ok().map(CaseId).filter(|c| c.0 > 0).map(Address::Thread),
            _ => None,
        }
    }

    pub fn is_staff(&self) -> bool {
        !matches!(self, Address::Dm(_))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Dm(user) => write!(f, "dm:{user}"),
            Address::Agents => f.write_str("channel:agents"),
            Address::Managers => f.write_str("channel:managers"),
            Address::Thread(case) => write!(f, "thread:{case}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_addresses_read_back_as_written() {
        for written in ["cust-1", "discord:123", "slack:U42", "stripe:dp_1", "local:x"] {
            assert_eq!(ChatUserId::parse(written).to_string(), written);
        }
        assert_eq!(ChatUserId::parse("discord:123").platform_id(), "123");
        assert_eq!(ChatUserId::parse("stripe:dp_1").platform(), Platform::Local);
        for written in ["dm:cust-1", "dm:discord:9", "channel:agents", "channel:managers", "thread:4"] {
            assert_eq!(Address::parse(written).unwrap().to_string(), written);
        }
        for bad in ["dm:", "channel:x", "thread:0", "thread:x", "agents"] {
            assert_eq!(Address::parse(bad), None, "{bad}");
        }
        let dm = Address::parse("dm:discord:9").unwrap();
        assert_eq!(dm.platform(Platform::Slack), Platform::Discord);
        assert_eq!(Address::Agents.platform(Platform::Slack), Platform::Slack);
    }
}
