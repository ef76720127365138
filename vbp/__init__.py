"""VBP surplus retention (集采结余留用): calculation core, offline calculator and web system."""
