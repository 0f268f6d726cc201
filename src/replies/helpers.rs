//! Handlebars plumbing for chat text: the mention-neutralising escape and the helpers templates use.

use handlebars::{
    Context, Handlebars, Helper, HelperResult, JsonRender, JsonTruthy, Output, RenderContext, RenderError,
    RenderErrorReason, Renderable,
};

/// Zero-width space: invisible in chat, but it breaks the token a platform looks for to ping.
const ZWSP: char = '\u{200B}';

/// The escape function of the registry: chat is not HTML, so text stays as it is, except that
/// anything that could ping people (`@everyone`, `@here`, `<@user>`, `<@&role>`, `<#channel>`, and
/// Slack's `<!here>` forms) gets a zero-width space after its `@` or `<`.
///
/// Case-insensitive and applied to every `{{value}}`, because a customer can type anything into a
/// field and a product name never needs to ping. Idempotent: escaped text escapes to itself.
///
/// Markdown that would change what staff see is escaped too: `[text](link)` would otherwise show
/// a customer's link under words of their choosing, and `*`, `_`, `~`, `` ` ``, `|` would restyle
/// or hide text. A character already escaped is left alone, which keeps this idempotent.
pub fn neutralise_mentions(text: &str) -> String {
    escape(text, true)
}

/// Mentions defused as by [`neutralise_mentions`]; markdown escaped too when `markdown`.
fn escape(text: &str, markdown: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous = None;
    for (i, c) in text.char_indices() {
        if markdown && "[]*_~`|".contains(c) && previous != Some('\\') {
            out.push('\\');
        }
        previous = Some(c);
        out.push(c);
        let after = &text[i + c.len_utf8()..];
        let defuse = match c {
            '@' => starts_with_ignore_case(after, "everyone") || starts_with_ignore_case(after, "here"),
            '<' => after.starts_with(['@', '#', '!']),
            _ => false,
        };
        if defuse {
            out.push(ZWSP);
        }
    }
    out
}

fn starts_with_ignore_case(text: &str, word: &str) -> bool {
    text.get(..word.len()).is_some_and(|head| head.eq_ignore_ascii_case(word))
}

/// A helper's one argument, rendered; a missing variable is an error, as in strict mode.
fn strict_param(h: &Helper<'_>, helper: &'static str) -> Result<String, RenderError> {
    let param = h.param(0).ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, 0))?;
    if param.is_value_missing() {
        return Err(RenderError::strict_error(param.relative_path()));
    }
    Ok(param.value().render())
}

/// `{{quote details}}`: the value as a markdown block quote, every line prefixed with `> ` (a
/// single `> ` would quote only the first line of a multi-line message), escaped like `{{ }}`.
pub fn quote(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = neutralise_mentions(strict_param(h, "quote")?.trim());
    let quoted: Vec<String> = text.lines().map(|line| format!("> {}", line.trim_end())).collect();
    out.write(&quoted.join("\n"))?;
    Ok(())
}

/// `{{plain why}}`: text from a system, not a person (Stripe's answer, the policy checker's
/// error), shown exactly as it came so that codes like `charge_already_refunded` read as they
/// are searched for. Mentions are still defused; markdown is not escaped.
pub fn plain(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(&escape(&strict_param(h, "plain")?, false))?;
    Ok(())
}

/// `{{#if}}` / `{{#unless}}` that refuse a missing variable. The built-in ones treat a typo like
/// `{{#if parital}}` as false even in strict mode, which would silently drop a branch.
#[derive(Clone, Copy)]
pub struct StrictIf {
    pub positive: bool,
}

impl handlebars::HelperDef for StrictIf {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let name = if self.positive { "if" } else { "unless" };
        let param = h.param(0).ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?;
        if param.is_value_missing() {
            return Err(RenderError::strict_error(param.relative_path()));
        }
        let truthy = param.value().is_truthy(false) == self.positive;
        match if truthy { h.template() } else { h.inverse() } {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}
