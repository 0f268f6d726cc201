//! The terminal console: one person plays customer, agent and manager to see the whole flow.
//! Messages land in per-view inboxes; switching role shows what that role has not seen yet.

use crate::app::App;
use crate::events::{ButtonOut, Inbound, Outbound};
use crate::runner::{self, AdapterClock};
use std::collections::HashMap;
use std::io::Write;
use tokio::io::AsyncBufReadExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Customer,
    Agent,
    Manager,
}

struct Console {
    role: Role,
    user: String,
    clock: AdapterClock,
    /// Unseen messages per destination (`dm:cust-1`, `channel:agents`).
    inbox: HashMap<String, Vec<String>>,
    /// The buttons shown last, numbered from 1.
    choices: Vec<ButtonOut>,
    /// The case thread being viewed (`/thread 4`): what is typed is written in it.
    thread: Option<String>,
}

const HELP: &str = "\
Type to talk as the current person. Commands:
  /as customer cust-1 | /as agent agent-1 | /as manager manager-1   switch who you are
  1, 2, 3 ...             press a button shown in the last message
  /edit N new text        submit the form behind button N (an agent's Edit)
  /react m-9 ✅            react to a message (managers: ✅ approve, ❌ deny; also yes/no)
  /thread 4               view case 4's staff thread; what you type is written there
                          (agents: relayed to the customer while the case is live; start
                          with !note to keep it internal). /thread alone leaves it
  /tick 2h                move the clock (30m, 2h, 3d) and run what is due
  /cases                  list the cases          /help   this text     /quit  leave";

pub async fn run(app: &App) -> anyhow::Result<()> {
    println!("refund-bot console — you are customer `cust-1`. Type /help for commands.");
    for note in &app.notes {
        println!("note: {note}");
    }
    println!("Say hello to ask for a refund, e.g. \"Hi, I'd like a refund for ORD-1001, alice@example.com\".\n");
    let mut console = Console {
        role: Role::Customer,
        user: "cust-1".into(),
        clock: AdapterClock::new(None),
        inbox: HashMap::new(),
        choices: vec![],
        thread: None,
    };
    // What fell due while the console was closed (reminders, follow-ups) shows at once.
    console.run_due(app).await?;
    console.show();
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    loop {
        match &console.thread {
            Some(thread) => print!("{} in {thread} > ", console.user),
            None => print!("{} > ", console.user),
        }
        std::io::stdout().flush()?;
        let Some(line) = lines.next_line().await? else {
            break;
        };
        let line = line.trim().to_string();
        if line.is_empty() {
            continue;
        }
        if line == "/quit" || line == "/exit" {
            break;
        }
        match console.command(&line) {
            Ok(Some(event)) => {
                match event {
                    Inbound::Tick { advance_secs } => {
                        if let Err(error) = console.clock.advance(advance_secs) {
                            println!("{error}");
                        }
                    }
                    // A button with a form behind it (an agent's Edit) takes the text with it.
                    Inbound::Click { button, .. } if app.engine.form_behind(&button).await?.is_some() => {
                        let n = console.choices.iter().position(|b| b.id == button).map_or(0, |i| i + 1);
                        println!("type `/edit {n} your text` to write it");
                        continue;
                    }
                    event => {
                        if let Err(error) = app.engine.handle(&event, console.clock.now()).await {
                            println!("(something went wrong: {error})");
                        }
                    }
                }
                console.run_due(app).await?;
                console.show();
            }
            Ok(None) => {}
            Err(message) => println!("{message}"),
        }
        if line == "/cases" {
            print_cases(app).await?;
        }
    }
    Ok(())
}

async fn print_cases(app: &App) -> anyhow::Result<()> {
    for case in app.engine.store().cases(None).await? {
        let order = case.order_id.as_ref().map_or("-", |o| o.as_str());
        println!("  #{} {} {} {} {}", case.id, case.customer, order, case.state.code(), case.outcome.code());
    }
    Ok(())
}

impl Console {
    /// Runs the work due at the console's time and files what it sends.
    async fn run_due(&mut self, app: &App) -> anyhow::Result<()> {
        let mut delivered = Vec::new();
        runner::run_due(&app.engine, self.clock.now(), |action| {
            delivered.push(action);
            async { Ok(()) }
        })
        .await?;
        for action in delivered {
            self.file(action);
        }
        Ok(())
    }

    /// Turns a typed line into an inbound event, or handles it locally.
    fn command(&mut self, line: &str) -> Result<Option<Inbound>, String> {
        let user = self.user.clone();
        if let Ok(n) = line.parse::<usize>() {
            let button = self.choices.get(n.wrapping_sub(1)).ok_or(format!("there is no button {n}"))?;
            return Ok(Some(Inbound::Click { roles: Vec::new(), user, button: button.id.clone(), name: None }));
        }
        let (head, rest) = line.split_once(' ').unwrap_or((line, ""));
        match head {
            "/help" => Err(HELP.into()),
            "/cases" => Ok(None),
            "/as" => self.switch(rest).map(|_| None),
            "/thread" => self.view_thread(rest).map(|_| None),
            "/tick" => parse_duration(rest).map(|advance_secs| Some(Inbound::Tick { advance_secs })),
            "/edit" => {
                let (n, text) = rest.split_once(' ').ok_or("usage: /edit N new text")?;
                let n: usize = n.parse().map_err(|_| "usage: /edit N new text")?;
                let button = self.choices.get(n.wrapping_sub(1)).ok_or(format!("there is no button {n}"))?;
                Ok(Some(Inbound::Submit { roles: Vec::new(), user, button: button.id.clone(), text: text.to_string() }))
            }
            "/react" => {
                let (message, emoji) = rest.split_once(' ').ok_or("usage: /react m-9 ✅")?;
                let emoji = match emoji.trim() {
                    "yes" | "y" => "✅",
                    "no" | "n" => "❌",
                    other => other,
                };
                Ok(Some(Inbound::React {
                    roles: Vec::new(),
                    user,
                    message: message.to_string(),
                    emoji: emoji.to_string(),
                }))
            }
            _ if head.starts_with('/') => Err(format!("unknown command {head}; /help lists them")),
            _ => match &self.thread {
                Some(thread) => Ok(Some(Inbound::Message {
                    user,
                    text: line.to_string(),
                    to: Some(thread.clone()),
                    roles: Vec::new(),
                    name: None,
                    written: None,
                })),
                None => Ok(Some(Inbound::dm(user, line))),
            },
        }
    }

    /// Enters a case's thread view (its posts so far that were not seen are shown), or leaves it.
    fn view_thread(&mut self, rest: &str) -> Result<(), String> {
        let rest = rest.trim();
        if rest.is_empty() {
            self.thread = None;
            println!("(back to your own conversation)");
            return Ok(());
        }
        let case: i64 = rest.trim_start_matches('#').parse().map_err(|_| "usage: /thread 4 (a case number)")?;
        if case <= 0 {
            return Err("usage: /thread 4 (a case number)".into());
        }
        self.thread = Some(format!("thread:{case}"));
        println!("(case #{case}'s thread: what you type is written here; /thread to leave)");
        self.show();
        Ok(())
    }

    fn switch(&mut self, rest: &str) -> Result<(), String> {
        let mut words = rest.split_whitespace();
        let role = match words.next() {
            Some("customer") => Role::Customer,
            Some("agent") => Role::Agent,
            Some("manager") => Role::Manager,
            _ => return Err("usage: /as customer|agent|manager ID".into()),
        };
        let default = match role {
            Role::Customer => "cust-1",
            Role::Agent => "agent-1",
            Role::Manager => "manager-1",
        };
        self.role = role;
        self.user = words.next().unwrap_or(default).to_string();
        self.choices.clear();
        self.thread = None;
        println!("(you are now {:?} `{}`)", role, self.user);
        self.show();
        Ok(())
    }

    fn views(&self) -> Vec<String> {
        if let Some(thread) = &self.thread {
            return vec![thread.clone(), format!("dm:{}", self.user)];
        }
        let mut views = vec![format!("dm:{}", self.user)];
        match self.role {
            Role::Agent => {
                // Agents see their channel and, beneath it, every case's thread.
                views.push("channel:agents".into());
                let mut threads: Vec<String> =
                    self.inbox.keys().filter(|k| k.starts_with("thread:")).cloned().collect();
                threads.sort_by_key(|t| t.trim_start_matches("thread:").parse::<i64>().unwrap_or(0));
                views.extend(threads);
            }
            Role::Manager => views.push("channel:managers".into()),
            Role::Customer => {}
        }
        views
    }

    /// Files an outbound action in the inbox of its destination.
    fn file(&mut self, action: Outbound) {
        match action {
            Outbound::Send { id, to, text, buttons, mentions, reactions, attachment, .. } => {
                let mut shown = format!("[{id}] {text}");
                if let Some(file) = attachment {
                    shown.push_str(&format!("\n      📎 {} ({} bytes)", file.name, file.size));
                }
                if !mentions.is_empty() {
                    shown =
                        format!("{} {shown}", mentions.iter().map(|m| format!("@{m}")).collect::<Vec<_>>().join(" "));
                }
                if !reactions.is_empty() {
                    shown.push_str(&format!("\n      (react with {} — /react {id} ✅)", reactions.join(" or ")));
                }
                if !buttons.is_empty() {
                    shown.push_str(&format!("\u{0}{}", serde_json::to_string(&buttons).unwrap_or_default()));
                }
                self.inbox.entry(to).or_default().push(shown);
            }
            Outbound::Edit { id, text, .. } => {
                self.inbox.entry("edits".into()).or_default().push(format!("[{id} updated] {text}"));
            }
            Outbound::Unreact { message, user, emoji } => {
                self.inbox.entry("edits".into()).or_default().push(format!("[{message}] {user}'s {emoji} was removed"));
            }
            Outbound::React { message, emoji } => {
                self.inbox.entry("edits".into()).or_default().push(format!("[{message}] bot reacted {emoji}"));
            }
            Outbound::Mark { to, written, emoji } => {
                self.inbox.entry(to).or_default().push(format!("(bot reacted {emoji} on {written})"));
            }
        }
    }

    /// Prints what the current person can see and numbers the newest buttons.
    fn show(&mut self) {
        let mut views = self.views();
        if self.role != Role::Customer {
            views.push("edits".into());
        }
        for view in views {
            for entry in self.inbox.remove(&view).unwrap_or_default() {
                let (text, buttons) = entry.split_once('\u{0}').unwrap_or((&entry, ""));
                let text = for_terminal(text, std::io::IsTerminal::is_terminal(&std::io::stdout()));
                println!("{:>16} │ {}", short(&view), text.replace('\n', &format!("\n{:>16} │ ", "")));
                if let Ok(buttons) = serde_json::from_str::<Vec<ButtonOut>>(buttons) {
                    for (i, b) in buttons.iter().enumerate() {
                        println!("{:>16} │   {}) {}", "", i + 1, b.label);
                    }
                    self.choices = buttons;
                }
            }
        }
        let waiting: Vec<String> = self
            .inbox
            .iter()
            .filter(|(k, v)| *k != "edits" && !v.is_empty())
            .map(|(k, v)| format!("{} for {k}", v.len()))
            .collect();
        if !waiting.is_empty() {
            println!("(unseen: {} — switch with /as)", waiting.join(", "));
        }
    }
}

/// Chat markdown made readable in a terminal: `**bold**` in bold (or plain when not a terminal)
/// and the backslashes that keep customer text from restyling a chat message dropped.
fn for_terminal(text: &str, ansi: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut bold = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek().copied()) {
            ('\\', Some(next)) if "[]*_~`|\\".contains(next) => {
                out.push(next);
                chars.next();
            }
            ('*', Some('*')) => {
                chars.next();
                bold = !bold;
                if ansi {
                    out.push_str(if bold { "\x1b[1m" } else { "\x1b[0m" });
                }
            }
            _ => out.push(c),
        }
    }
    if bold && ansi {
        out.push_str("\x1b[0m");
    }
    out
}

fn short(view: &str) -> &str {
    match view {
        "channel:agents" => "#agents",
        "channel:managers" => "#managers",
        "edits" => "(updated)",
        other if other.starts_with("thread:") => other,
        other => other.strip_prefix("dm:").unwrap_or(other),
    }
}

/// `90`, `30m`, `2h`, `3d` to seconds.
fn parse_duration(raw: &str) -> Result<u64, String> {
    let raw = raw.trim();
    let (number, unit) = raw.split_at(raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len()));
    let n: u64 = number.parse().map_err(|_| format!("`{raw}` is not a duration like 30m, 2h or 3d"))?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(format!("`{raw}` is not a duration like 30m, 2h or 3d")),
    };
    n.checked_mul(scale).ok_or_else(|| format!("`{raw}` is too long a time"))
}

#[cfg(test)]
mod tests {
    use super::for_terminal;

    #[test]
    fn markdown_reads_plainly_in_a_terminal() {
        let chat = r"Your refund of **$49.00** for case dp\_1 \*is\* issued. Keep `code` and a\b.";
        assert_eq!(for_terminal(chat, false), "Your refund of $49.00 for case dp_1 *is* issued. Keep `code` and a\\b.");
        assert_eq!(for_terminal("**bold**", true), "\x1b[1mbold\x1b[0m");
        assert_eq!(for_terminal("**unclosed", true), "\x1b[1munclosed\x1b[0m");
    }
}
