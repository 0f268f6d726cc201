//! The report as text, for a terminal or an email.

use super::Report;

impl Report {
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let days = (self.until - self.since).num_days();
        out += &format!(
            "Refund report, {} to {} ({days} days)\n\nCases opened: {}\n",
            self.since.format("%Y-%m-%d %H:%M"),
            self.until.format("%Y-%m-%d %H:%M"),
            self.cases
        );
        let outcomes: Vec<String> = self
            .outcomes
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(o, n)| format!("{} {n}", o.replace('_', " ")))
            .collect();
        if !outcomes.is_empty() {
            out += &format!("  {}\n", outcomes.join(" · "));
        }
        if !self.reasons.is_empty() {
            out += &format!(
                "\nBy reason:\n  {:<26} {:>5} {:>9} {:>7} {:>12}\n",
                "", "cases", "refunded", "denied", "alternative"
            );
            for r in &self.reasons {
                out += &format!(
                    "  {:<26} {:>5} {:>9} {:>7} {:>12}\n",
                    r.label, r.cases, r.refunded, r.denied, r.alternative
                );
            }
        }
        if !self.products.is_empty() {
            out += &format!("\nBy product:\n  {:<34} {:>5} {:>9}\n", "", "cases", "refunded");
            for p in &self.products {
                out += &format!("  {:<34} {:>5} {:>9}\n", p.product, p.cases, p.refunded);
            }
        }
        out += "\nMoney refunded:\n";
        if self.refunded.is_empty() {
            out += "  none\n";
        }
        for line in &self.refunded {
            out += &format!("  {} in {} refund(s) by {}\n", line.amount, line.refunds, line.processor);
        }
        let flags: Vec<String> = self.flags.iter().map(|(f, n)| format!("{f} {n}")).collect();
        out += &format!("\nFlags: {}\n", if flags.is_empty() { "none".to_string() } else { flags.join(" · ") });
        out += &match self.feedback.average {
            Some(average) => format!("Feedback: {} answer(s), average {average:.1} / 5\n", self.feedback.answers),
            None => "Feedback: no answers\n".to_string(),
        };
        out += &format!(
            "\nWeek by week (weeks start on Monday):\n  {:<10} {:>6} {:>7}  refunded\n",
            "week", "opened", "refunds"
        );
        for week in &self.weeks {
            let refunded = if week.refunded.is_empty() { "-".to_string() } else { week.refunded.join(", ") };
            out += &format!("  {:<10} {:>6} {:>7}  {refunded}\n", week.starts, week.opened, week.refunds);
        }
        out
    }
}
