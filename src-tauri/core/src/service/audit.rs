//! Reading, checking and exporting the audit log (for holders of `view_audit`).

use super::{Need, Tokendesk};
use crate::clock::format_utc;
use crate::model::{AuditEvent, AuditPage, AuditQuery, ChainReport, ExportFormat, Scope, Session};
use crate::permissions::Action;
use crate::store::audit as audit_store;
use crate::{Error, Result};
use std::io::Write;

const PAGE_MAX: u32 = 500;

impl Tokendesk {
    pub fn list_audit(&self, s: &Session, q: &AuditQuery) -> Result<AuditPage> {
        self.store.read(|c| {
            self.ctx(c, s, Need::Read(Scope::AuditRead))?
                .require(Action::ViewAudit)?;
            audit_store::query(c, q, PAGE_MAX)
        })
    }

    pub fn verify_audit_chain(&self, s: &Session) -> Result<ChainReport> {
        self.store.read(|c| {
            self.ctx(c, s, Need::Read(Scope::AuditRead))?
                .require(Action::ViewAudit)?;
            audit_store::verify_chain(c, &self.key)
        })
    }

    /// Writes every event matching `q` (oldest first) as CSV or JSON; returns how many.
    pub fn export_audit(
        &self,
        s: &Session,
        q: &AuditQuery,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> Result<usize> {
        let events = every_event(q, |page| self.list_audit(s, page))?;
        write_export(&events, format, out)
    }
}

/// Every event matching `q`, oldest first, read a page at a time with `list`.
pub(crate) fn every_event<E>(
    q: &AuditQuery,
    mut list: impl FnMut(&AuditQuery) -> std::result::Result<AuditPage, E>,
) -> std::result::Result<Vec<AuditEvent>, E> {
    let mut events = Vec::new();
    let mut page = AuditQuery {
        limit: PAGE_MAX,
        before_seq: None,
        ..q.clone()
    };
    loop {
        let p = list(&page)?;
        events.extend(p.items);
        match p.next_before {
            Some(b) => page.before_seq = Some(b),
            None => break,
        }
    }
    events.reverse();
    Ok(events)
}

/// The export file: JSON, or CSV with formula-safe fields; returns how many events.
pub(crate) fn write_export(
    events: &[AuditEvent],
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<usize> {
    let io = |e: std::io::Error| Error::Internal(format!("could not write the export: {e}"));
    match format {
        ExportFormat::Json => serde_json::to_writer_pretty(&mut *out, events)
            .map_err(|e| Error::Internal(e.to_string()))?,
        ExportFormat::Csv => {
            writeln!(
                out,
                "seq,time,actor_id,subject_id,action,target_id,details,hash"
            )
            .map_err(io)?;
            for e in events {
                let fields = [
                    e.seq.to_string(),
                    format_utc(e.at),
                    e.actor_id.clone(),
                    e.subject_id.clone(),
                    e.action.as_str().to_string(),
                    e.target_id.clone().unwrap_or_default(),
                    e.details.clone(),
                    e.hash.clone(),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                writeln!(out, "{}", line.join(",")).map_err(io)?;
            }
        }
    }
    out.flush().map_err(io)?;
    Ok(events.len())
}

/// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet does
/// not run a user-supplied name as a formula.
fn csv_field(f: &str) -> String {
    let f = if f.starts_with(['=', '+', '-', '@']) {
        format!("'{f}")
    } else {
        f.to_string()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_quoting_and_formula_guard() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("{\"a\":1}"), "\"{\"\"a\"\":1}\"");
    }
}
