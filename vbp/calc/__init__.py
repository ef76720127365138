"""The offline calculator ``vbp calc`` (docs/calculator.md): workbooks in, workbooks out."""
