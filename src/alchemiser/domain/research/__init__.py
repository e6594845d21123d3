"""Research at scale: parameter addresses, variants, robustness statistics (issue 18)."""
