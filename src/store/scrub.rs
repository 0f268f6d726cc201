//! The last pass of an erasure: every text column of every table, read from the schema (so a
//! table added by a later migration is covered without anyone remembering to list it), has
//! each identifier of the person replaced by its pseudonym, wherever it is quoted.

use super::{Backend, StoreResult, Tx};
use sqlx::Row;

/// An identifier to find (an email, a chat user id) and what replaces it.
#[derive(Debug, Clone)]
pub struct Needle {
    pub find: String,
    pub replace: String,
}

/// A `table.column` holding text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextColumn {
    pub table: String,
    pub column: String,
}

/// Tables that hold no customer data and belong to the migration tool.
fn is_bookkeeping(table: &str) -> bool {
    table.starts_with("_sqlx") || table.starts_with("sqlite_")
}

impl Tx<'_> {
    /// Every text column of every table of the schema, as the database describes it now.
    pub async fn text_columns(&mut self) -> StoreResult<Vec<TextColumn>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name AS tbl, p.name AS col FROM sqlite_master m JOIN pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND (upper(p.type) LIKE '%TEXT%' OR upper(p.type) LIKE '%CHAR%' OR p.type = '')
                 ORDER BY m.name, p.cid"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS tbl, CAST(column_name AS TEXT) AS col FROM information_schema.columns
                 WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character')
                 ORDER BY table_name, ordinal_position"
            }
        };
        let rows = sqlx::query(sql).fetch_all(self.conn()).await?;
        let mut columns = Vec::new();
        for row in rows {
            let table: String = row.try_get("tbl")?;
            if !is_bookkeeping(&table) {
                columns.push(TextColumn { table, column: row.try_get("col")? });
            }
        }
        Ok(columns)
    }

    /// Replaces every needle in every text column; returns how many values changed.
    pub async fn scrub_everywhere(&mut self, needles: &[Needle]) -> StoreResult<u64> {
        let needles: Vec<Needle> = needles.iter().filter(|n| !n.find.trim().is_empty()).cloned().collect();
        if needles.is_empty() {
            return Ok(0);
        }
        let mut changed = 0;
        for column in self.text_columns().await? {
            changed += self.scrub_column(&column, &needles).await?;
        }
        Ok(changed)
    }

    async fn scrub_column(&mut self, column: &TextColumn, needles: &[Needle]) -> StoreResult<u64> {
        let (table, col) = (quote_ident(&column.table), quote_ident(&column.column));
        let filter: Vec<String> = (1..=needles.len()).map(|i| format!("lower({col}) LIKE ${i} ESCAPE '\\'")).collect();
        let sql = format!("SELECT DISTINCT {col} AS value FROM {table} WHERE {}", filter.join(" OR "));
        let mut query = sqlx::query(&sql);
        for needle in needles {
            query = query.bind(format!("%{}%", like_escape(&needle.find.to_ascii_lowercase())));
        }
        let rows = query.fetch_all(self.conn()).await?;
        let mut changed = 0;
        for row in rows {
            let Some(old) = row.try_get::<Option<String>, _>("value")? else { continue };
            let new = replace_all(&old, needles);
            if new == old {
                continue;
            }
            // Every row holding that exact value gets the same new value: no key needed.
            let update = format!("UPDATE {table} SET {col} = $1 WHERE {col} = $2");
            changed += sqlx::query(&update).bind(&new).bind(&old).execute(self.conn()).await?.rows_affected();
        }
        Ok(changed)
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Characters that continue an email or a user id: a match next to one of them is part of a
/// longer identifier (`cust-1` in `cust-10`, `bob@x.com` in `bob@x.com.au`) and is left alone.
fn continues(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_%+-@".contains(c)
}

/// `text` with each needle replaced, case-insensitively, where it stands as a whole identifier.
pub fn replace_all(text: &str, needles: &[Needle]) -> String {
    needles.iter().fold(text.to_string(), |text, needle| replace_one(&text, needle))
}

fn replace_one(text: &str, needle: &Needle) -> String {
    let find = needle.find.to_ascii_lowercase();
    if find.is_empty() {
        return text.to_string();
    }
    // ASCII lowering keeps every byte where it was, so offsets in `lower` are offsets in `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(&find) {
        let start = search + found;
        let end = start + find.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let after_dot_word = text[end..].starts_with('.') && text[end + 1..].chars().next().is_some_and(continues);
        // `@` may come before a user id (`<@123>`), never inside one.
        let joined_before = before.is_some_and(|c| c != '@' && (continues(c) || c == '.'));
        let whole = !joined_before && !after.is_some_and(continues) && !after_dot_word;
        if whole {
            out.push_str(&text[from..start]);
            out.push_str(&needle.replace);
            from = end;
        }
        search = start + lower[start..].chars().next().map_or(1, char::len_utf8);
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needle(find: &str, replace: &str) -> Needle {
        Needle { find: find.into(), replace: replace.into() }
    }

    #[test]
    fn whole_identifiers_only_in_any_case() {
        let email = [needle("alice@example.com", "erased-1@erased.invalid")];
        assert_eq!(
            replace_all("Mail ALICE@Example.com. Or malice@example.com, alice@example.com.au", &email),
            "Mail erased-1@erased.invalid. Or malice@example.com, alice@example.com.au"
        );
        let user = [needle("discord:123", "erased:1"), needle("123", "erased:1")];
        assert_eq!(replace_all("dm:discord:123 <@123> 1234", &user), "dm:erased:1 <@erased:1> 1234");
        assert_eq!(
            replace_all("{\"to\":\"dm:cust-1\"} cust-10", &[needle("cust-1", "erased:2")]),
            "{\"to\":\"dm:erased:2\"} cust-10"
        );
        assert_eq!(replace_all("ünïcode alice@example.com é", &email), "ünïcode erased-1@erased.invalid é");
    }

    #[test]
    fn like_patterns_are_literal() {
        assert_eq!(like_escape("a_b%c\\"), "a\\_b\\%c\\\\");
    }
}
