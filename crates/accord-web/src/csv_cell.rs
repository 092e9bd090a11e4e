//! CSV cells a spreadsheet reads as text, never as a formula: the guard
//! every CSV Accord writes (the register, insight) puts on each cell.

/// One CSV cell as a spreadsheet may read it: never as a formula, so a
/// cell starting `=`, `+`, `-` or `@` is written with a leading `'`. The
/// `csv` writer quotes what needs quoting (RFC 4180).
pub(crate) fn formula_safe(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_never_formulas() {
        assert_eq!(formula_safe("HAV-2026-0001"), "HAV-2026-0001");
        assert_eq!(formula_safe("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(formula_safe("+44 20"), "'+44 20");
        assert_eq!(formula_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(formula_safe("-1"), "'-1");
    }
}
