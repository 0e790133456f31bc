"""What the client sees: the weekly digest and decision explanations (HTML, PDF)."""
