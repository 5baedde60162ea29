//! The angle-bracket forms chat platforms put into command text, and the readable text
//! made from them.
//!
//! Slack rewrites what a user typed before it reaches us: `@dana` may arrive as
//! `<@U0123ABC>` or `<@U0123ABC|dana>`, `#ops` as `<#C0123|ops>`, a link as
//! `<https://x.example/?a=1&amp;b=2|label>`, `@here` as `<!here>`, a user group as
//! `<!subteam^S0123|@payments>`; and a literal `&`, `<` or `>` as `&amp;`, `&lt;`, `&gt;`.
//! Discord sends `<@123…>`, `<@!123…>`, `<#123…>` and `<@&123…>` for roles, and leaves
//! other text alone. Both platforms share the shape `<target|label>`, so one scanner reads
//! both; the caller knows which platform an id belongs to.
//!
//! A `<` that does not open one of these forms is ordinary text, so a Discord user may
//! type `latency < 5 ms` and nothing is lost.

/// A user mentioned in command text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserMention {
    /// The platform's user id: `U0123ABC` on Slack, `123456789012345678` on Discord.
    pub id: String,
    /// The name Slack wrote after `|`, if any; a hint for display, never for lookups.
    pub label: Option<String>,
}

/// One angle-bracket form, with its label and URL already unescaped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Markup {
    /// `<@U0123ABC>`, `<@U0123ABC|dana>`, `<@123…>` or `<@!123…>`.
    User(UserMention),
    /// `<#C0123|ops>` or `<#123…>`.
    Channel {
        /// The platform's channel id.
        id: String,
        /// The channel name Slack wrote after `|`, if any.
        label: Option<String>,
    },
    /// A Discord role, `<@&123…>`.
    Role {
        /// The role id.
        id: String,
    },
    /// A Slack special mention: `<!here>`, `<!channel>`, `<!everyone>`,
    /// `<!subteam^S0123|@payments>`, `<!date^…|fallback>`.
    Special {
        /// What follows `!`, e.g. `here` or `subteam^S0123`.
        name: String,
        /// The text after `|`, if any.
        label: Option<String>,
    },
    /// `<https://x.example>`, `<https://x.example|label>` or `<mailto:a@x.example|a@x.example>`.
    Link {
        /// The target, unescaped.
        url: String,
        /// The text shown for it, unescaped.
        label: Option<String>,
    },
}

/// Reads the form that starts at byte `start` of `text` (which must hold a `<` there).
///
/// Returns the form and the byte offset just past its `>`, or `None` when the `<` is
/// ordinary text.
pub(crate) fn markup_at(text: &str, start: usize) -> Option<(Markup, usize)> {
    let body = text.get(start..)?.strip_prefix('<')?;

    // The form ends at the first `>`; another `<` or a line break before it means this
    // `<` was plain text. Stopping there also keeps scanning linear in the text length.
    let close = body.find(['<', '>', '\n'])?;
    if !body[close..].starts_with('>') {
        return None;
    }

    let markup = classify(&body[..close])?;
    Some((markup, start + 1 + close + 1))
}

/// Turns what is between `<` and `>` into a form, if it is one.
fn classify(inner: &str) -> Option<Markup> {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, Some(label).filter(|l| !l.is_empty()).map(unescape)),
        None => (inner, None),
    };

    // Slack's date form carries a format with spaces in its target; nothing else may.
    if let Some(name) = target.strip_prefix('!') {
        return (!name.is_empty()).then(|| Markup::Special {
            name: name.to_owned(),
            label,
        });
    }
    if target.is_empty() || target.contains(char::is_whitespace) {
        return None;
    }

    if let Some(id) = target.strip_prefix("@&") {
        return is_id(id).then(|| Markup::Role { id: id.to_owned() });
    }
    if let Some(id) = target
        .strip_prefix("@!")
        .or_else(|| target.strip_prefix('@'))
    {
        let id = id.to_owned();
        return is_id(&id).then_some(Markup::User(UserMention { id, label }));
    }
    if let Some(id) = target.strip_prefix('#') {
        let id = id.to_owned();
        return is_id(&id).then_some(Markup::Channel { id, label });
    }
    is_url(target).then(|| Markup::Link {
        url: unescape(target),
        label,
    })
}

/// Platform ids are ASCII letters and digits on both platforms.
fn is_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether a target reads as a link rather than, say, a Discord emoji `<:fire:123>`.
fn is_url(target: &str) -> bool {
    let Some((scheme, rest)) = target.split_once(':') else {
        return false;
    };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let is_mail_or_phone =
        scheme.eq_ignore_ascii_case("mailto") || scheme.eq_ignore_ascii_case("tel");
    is_scheme && !rest.is_empty() && (rest.starts_with("//") || is_mail_or_phone)
}

/// Replaces Slack's three entities, `&amp;`, `&lt;` and `&gt;`, with their characters.
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (replacement, length) = if rest.starts_with("&amp;") {
            ('&', 5)
        } else if rest.starts_with("&lt;") {
            ('<', 4)
        } else if rest.starts_with("&gt;") {
            ('>', 4)
        } else {
            ('&', 1)
        };
        out.push(replacement);
        rest = &rest[length..];
    }
    out.push_str(rest);
    out
}

/// Turns command text as the platform sent it into text a person reads, e.g. for an
/// incident summary or a fix-note search.
///
/// Entities are unescaped; a link becomes `label (url)`, or just one of them when the
/// label only repeats the address; user, channel and role mentions stay in their
/// platform form so chat still renders them; Slack's special mentions become plain
/// `@here`, `@channel`, `@everyone` or the group's label, so reposting a summary never
/// pings a whole channel. The result is plain text, not Slack markup: an adapter that
/// posts it to Slack escapes `&`, `<` and `>` outside the mentions first.
pub fn display_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut plain_from = 0;
    let mut search_from = 0;

    while let Some(found) = raw[search_from..].find('<') {
        let at = search_from + found;
        let Some((markup, end)) = markup_at(raw, at) else {
            search_from = at + 1;
            continue;
        };
        out.push_str(&unescape(&raw[plain_from..at]));
        push_markup(&mut out, &raw[at..end], markup);
        plain_from = end;
        search_from = end;
    }

    out.push_str(&unescape(&raw[plain_from..]));
    out
}

/// Appends the readable form of one markup; `source` is its text as sent.
fn push_markup(out: &mut String, source: &str, markup: Markup) {
    match markup {
        Markup::User(_) | Markup::Channel { .. } | Markup::Role { .. } => out.push_str(source),
        Markup::Special { name, label } => {
            let base = name.split('^').next().unwrap_or_default();
            match label {
                Some(label) if !matches!(base, "here" | "channel" | "everyone") => {
                    out.push_str(&label)
                }
                _ => {
                    out.push('@');
                    out.push_str(base);
                }
            }
        }
        Markup::Link { url, label: None } => out.push_str(&url),
        Markup::Link {
            url,
            label: Some(label),
        } => {
            if label == url {
                out.push_str(&url);
            } else if is_bare_address(&url, &label) {
                out.push_str(&label);
            } else {
                out.push_str(&format!("{label} ({url})"));
            }
        }
    }
}

/// Whether a link's label is its address without the scheme, as Slack writes when
/// someone types `example.com` or an email address.
fn is_bare_address(url: &str, label: &str) -> bool {
    let Some((_, rest)) = url.split_once(':') else {
        return false;
    };
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    rest == label || rest.strip_suffix('/') == Some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, label: Option<&str>) -> Option<Markup> {
        Some(Markup::User(UserMention {
            id: id.to_owned(),
            label: label.map(str::to_owned),
        }))
    }

    #[test]
    fn forms_are_recognised_only_when_well_formed() {
        let link = |url: &str, label: Option<&str>| {
            Some(Markup::Link {
                url: url.to_owned(),
                label: label.map(str::to_owned),
            })
        };
        let cases = [
            ("<@U0123ABC>", user("U0123ABC", None)),
            ("<@U0123ABC|dana>", user("U0123ABC", Some("dana"))),
            ("<@U0123ABC|>", user("U0123ABC", None)),
            ("<@123456789012345678>", user("123456789012345678", None)),
            ("<@!123456789012345678>", user("123456789012345678", None)),
            (
                "<@&42>",
                Some(Markup::Role {
                    id: "42".to_owned(),
                }),
            ),
            (
                "<#C0123|ops>",
                Some(Markup::Channel {
                    id: "C0123".to_owned(),
                    label: Some("ops".to_owned()),
                }),
            ),
            (
                "<!subteam^S0123|@payments>",
                Some(Markup::Special {
                    name: "subteam^S0123".to_owned(),
                    label: Some("@payments".to_owned()),
                }),
            ),
            (
                "<https://x.example/?a=1&amp;b=2|a &lt;b&gt; label>",
                link("https://x.example/?a=1&b=2", Some("a <b> label")),
            ),
            ("<mailto:a@x.example>", link("mailto:a@x.example", None)),
            ("<@U1 U2>", None),
            ("<@>", None),
            ("<@U-1>", None),
            ("<:fire:123>", None),
            ("<a:fire:123>", None),
            ("<b and c>", None),
            ("<>", None),
            ("<!>", None),
            ("<@U1", None),
            ("<<@U1>", None),
            ("<@U1\n>", None),
        ];
        for (text, expected) in cases {
            let found = markup_at(text, 0);
            assert_eq!(found.as_ref().map(|(m, _)| m), expected.as_ref(), "{text}");
            if let Some((_, end)) = found {
                assert_eq!(end, text.len(), "{text}");
            }
        }
    }

    #[test]
    fn display_text_unescapes_and_keeps_mentions() {
        let cases = [
            ("plain", "plain"),
            ("a &amp;&amp; b &lt;3 &gt; &nbsp;", "a && b <3 > &nbsp;"),
            ("&amp;lt;", "&lt;"),
            ("ask <@U0123ABC|dana>", "ask <@U0123ABC|dana>"),
            ("in <#C0123|ops> and <@&42>", "in <#C0123|ops> and <@&42>"),
            (
                "<!here> <!channel|channel> <!everyone>",
                "@here @channel @everyone",
            ),
            (
                "<!subteam^S0123|@payments> <!subteam^S9>",
                "@payments @subteam",
            ),
            ("<!date^1392734382^{date} at {time}|Feb 18>", "Feb 18"),
            (
                "see <https://x.example/?a=1&amp;b=2|the dashboard>",
                "see the dashboard (https://x.example/?a=1&b=2)",
            ),
            ("<https://x.example>", "https://x.example"),
            ("<https://x.example|https://x.example>", "https://x.example"),
            ("<http://x.example|x.example>", "x.example"),
            ("<mailto:a@x.example|a@x.example>", "a@x.example"),
            ("latency < 5 ms, <b> stays", "latency < 5 ms, <b> stays"),
            ("<<@U1>>", "<<@U1>>"),
            ("결제 <@U1> :fire: 🔥", "결제 <@U1> :fire: 🔥"),
        ];
        for (raw, expected) in cases {
            assert_eq!(display_text(raw), expected, "{raw}");
        }
    }
}
