//! Configuration errors: each names the file, the line and column, and the field.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A line and column in a config file, both counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column in characters, from 1.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Self {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// One problem in the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, as the config folder was given joined with the file name.
    pub file: PathBuf,
    /// Where in the file, when the problem has a place.
    pub location: Option<Location>,
    /// The field path, e.g. `severity[sev1].path[payments].steps[1].position`; empty when
    /// the problem is with the file as a whole.
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl ConfigError {
    /// A problem at a byte span of `text`, the contents of `file`.
    pub fn at(
        file: &Path,
        text: &str,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_path_buf(),
            location: Some(Location::of_offset(text, span.start)),
            field: field.into(),
            message: message.into(),
        }
    }

    /// A problem with no place in a file, such as a missing environment variable.
    pub fn without_location(
        file: &Path,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_path_buf(),
            location: None,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(location) = self.location {
            write!(f, ":{}:{}", location.line, location.column)?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found in a configuration, in file and line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// The errors sorted by file and place, keeping the order of errors at the same place.
    pub fn sorted(mut errors: Vec<ConfigError>) -> Self {
        errors.sort_by(|a, b| (&a.file, a.location).cmp(&(&b.file, b.location)));
        Self(errors)
    }

    /// The number of errors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors in order.
    pub fn iter(&self) -> impl Iterator<Item = &ConfigError> {
        self.0.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> Self {
        Self(vec![error])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let text = "a = 1\n이름 = \"x\"\n";
        for (offset, line, column) in [(0, 1, 1), (4, 1, 5), (6, 2, 1), (13, 2, 4), (99, 3, 1)] {
            assert_eq!(
                Location::of_offset(text, offset),
                Location { line, column },
                "offset {offset}"
            );
        }
    }

    #[test]
    fn errors_print_file_line_column_field_and_message() {
        let error = ConfigError::at(
            Path::new("bot-config/people.toml"),
            "[[person]]\nid = \"x\"\n",
            16..19,
            "person[x].id",
            "bad",
        );
        assert_eq!(
            error.to_string(),
            "bot-config/people.toml:2:6: person[x].id: bad"
        );
    }
}
