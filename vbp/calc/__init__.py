"""The offline calculator ``vbp calc`` (spec/calculator.md): workbooks in, workbooks out."""
