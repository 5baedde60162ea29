//! Every sentence the bot says, in English and Korean, from Project Fluent catalogs.
//!
//! The `.ftl` files under `locales/` are compiled into the binary, so a running bot never
//! reads them from disk and can never lack them. `render` asks the catalog for a sentence
//! by key and locale; adapters never see keys. English is the reference: a key or a
//! locale the catalog lacks falls back to English, with one warning per key or locale, so
//! a gap in a translation degrades a message instead of dropping it.
//!
//! Unicode isolation marks around arguments are turned off: chat clients show them as
//! stray characters, and our arguments are names and ids that need no bidi isolation.

use std::collections::BTreeSet;
use std::sync::{LazyLock, Mutex};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::engine::policy::Policy;
use crate::engine::{PersonId, TeamId};

/// The locale of the reference catalog, which every other locale falls back to.
pub const FALLBACK_LOCALE: &str = "en";

/// The catalogs compiled into the binary: a language tag and its Fluent source.
const SOURCES: &[(&str, &str)] = &[
    ("en", include_str!("locales/en/escalator.ftl")),
    ("ko", include_str!("locales/ko/escalator.ftl")),
];

/// The arguments of one message: a name and a value (text or number).
pub type Args<'a> = [(&'a str, FluentValue<'a>)];

/// One language's messages.
struct Language {
    tag: &'static str,
    source: String,
    bundle: FluentBundle<FluentResource>,
}

/// The compiled-in messages of every supported language.
pub struct Catalog {
    languages: Vec<Language>,
    /// Keys (as `locale/key`) and locales already warned about, so each is logged once.
    warned: Mutex<BTreeSet<String>>,
    /// Problems found while loading the sources; empty when the catalogs are sound.
    load_errors: Vec<String>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tags: Vec<&str> = self.languages.iter().map(|l| l.tag).collect();
        f.debug_struct("Catalog").field("languages", &tags).finish()
    }
}

/// The process-wide catalog. It is built from constant sources and never changes, so one
/// shared instance behaves exactly like one passed around.
pub fn catalog() -> &'static Catalog {
    static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::builtin);
    &CATALOG
}

/// Shorthand for `catalog().text(..)`.
pub fn text(locale: &str, key: &str, args: &Args<'_>) -> String {
    catalog().text(locale, key, args)
}

impl Catalog {
    /// The catalog of the compiled-in `.ftl` files.
    pub fn builtin() -> Self {
        Self::from_sources(SOURCES)
    }

    /// A catalog of the given `(language tag, Fluent source)` pairs; the first is the
    /// fallback. Syntax errors are kept in `load_errors` and the valid messages still load.
    pub fn from_sources(sources: &[(&'static str, &str)]) -> Self {
        let mut load_errors = Vec::new();
        let languages = sources
            .iter()
            .map(|(tag, source)| Language {
                tag,
                source: (*source).to_owned(),
                bundle: bundle(tag, source, &mut load_errors),
            })
            .collect();
        for error in &load_errors {
            tracing::error!(error = %error, "message catalog has an error");
        }
        Self {
            languages,
            warned: Mutex::new(BTreeSet::new()),
            load_errors,
        }
    }

    /// Problems found while loading; a sound catalog has none.
    pub fn load_errors(&self) -> &[String] {
        &self.load_errors
    }

    /// The language tags the catalog holds, fallback first.
    pub fn locales(&self) -> Vec<&'static str> {
        self.languages.iter().map(|language| language.tag).collect()
    }

    /// Whether `locale` (e.g. `ko` or `ko-KR`) has its own messages.
    pub fn supports(&self, locale: &str) -> bool {
        self.language(locale).is_some()
    }

    /// Message `key` in `locale` with `args`. Falls back to English for a missing key or
    /// an unknown locale, and to the key itself when English lacks it too; never panics.
    pub fn text(&self, locale: &str, key: &str, args: &Args<'_>) -> String {
        let language = self.language(locale).or_else(|| {
            self.warn_once(format!("locale:{locale}"), || {
                tracing::warn!(locale, "unknown locale; using English");
            });
            self.languages.first()
        });
        let Some(language) = language else {
            return key.to_owned();
        };
        if let Some(text) = self.format(language, key, args) {
            return text;
        }
        self.note_miss(language.tag, key);

        let Some(fallback) = self.languages.first().filter(|f| f.tag != language.tag) else {
            return key.to_owned();
        };
        if let Some(text) = self.format(fallback, key, args) {
            return text;
        }
        self.note_miss(fallback.tag, key);
        key.to_owned()
    }

    /// The keys that were missing or failed to format so far, as `locale/key`; tests use
    /// this to prove every rendered sentence came from the catalog.
    pub fn misses(&self) -> Vec<String> {
        self.warned
            .lock()
            .map(|warned| {
                warned
                    .iter()
                    .filter(|entry| !entry.starts_with("locale:"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every message key of `locale`, in source order; empty for an unknown locale.
    pub fn keys(&self, locale: &str) -> Vec<String> {
        self.languages
            .iter()
            .find(|language| language.tag == locale)
            .map(|language| message_ids(&language.source))
            .unwrap_or_default()
    }

    fn language(&self, locale: &str) -> Option<&Language> {
        let wanted = language_subtag(locale)?;
        self.languages
            .iter()
            .find(|language| language.tag == wanted)
    }

    /// Formats `key` in `language`; `None` when the message is missing or an argument was.
    fn format(&self, language: &Language, key: &str, args: &Args<'_>) -> Option<String> {
        let pattern = language.bundle.get_message(key)?.value()?;
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }

        let mut errors = Vec::new();
        let text = language
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        if errors.is_empty() {
            return Some(text.into_owned());
        }
        self.warn_once(format!("{}/{key}", language.tag), || {
            tracing::warn!(
                locale = language.tag,
                key,
                ?errors,
                "message failed to format"
            );
        });
        None
    }

    fn note_miss(&self, tag: &str, key: &str) {
        self.warn_once(format!("{tag}/{key}"), || {
            tracing::warn!(locale = tag, key, "message missing; using English");
        });
    }

    fn warn_once(&self, what: String, warn: impl FnOnce()) {
        let Ok(mut warned) = self.warned.lock() else {
            return;
        };
        if warned.insert(what) {
            warn();
        }
    }
}

/// A bundle for `tag` from `source`, with isolation marks off; problems go to `errors`.
fn bundle(tag: &str, source: &str, errors: &mut Vec<String>) -> FluentBundle<FluentResource> {
    let langid: LanguageIdentifier = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    bundle.set_use_isolating(false);

    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, found)| {
        errors.extend(found.iter().map(|error| format!("{tag}: {error:?}")));
        partial
    });
    if let Err(found) = bundle.add_resource(resource) {
        errors.extend(found.iter().map(|error| format!("{tag}: {error}")));
    }
    bundle
}

/// The ids of the messages in a Fluent source: lines that start with a letter and name
/// an entry with `=`. Terms (`-name`), comments and continuation lines are not messages.
fn message_ids(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('='))
        .map(|(id, _)| id.trim().to_owned())
        .collect()
}

/// The language subtag of a locale such as `ko-KR` or `en_US`, lowercased.
fn language_subtag(locale: &str) -> Option<String> {
    let language = locale.split(['-', '_']).next()?.trim();
    (!language.is_empty()).then(|| language.to_ascii_lowercase())
}

/// The locale for a message: `person`'s own, else `team`'s, else the policy default.
pub fn pick_locale<'p>(
    policy: &'p Policy,
    person: Option<&PersonId>,
    team: Option<&TeamId>,
) -> &'p str {
    let person_locale = person
        .and_then(|id| policy.people.get(id))
        .and_then(|person| person.locale.as_deref());
    let team_locale = || {
        team.and_then(|id| policy.teams.get(id))
            .and_then(|team| team.locale.as_deref())
    };
    person_locale
        .or_else(team_locale)
        .unwrap_or(&policy.default_locale)
}

#[cfg(test)]
mod tests;
