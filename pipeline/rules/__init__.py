"""The rules: the year's rule set (model and TOML loader, `ruleset`), the rule sets in force
(`book`), the year's thresholds applied to an application (`year`), the identity, roster, unit and
material checks (`application`), and what certificates show against the roster (`certificates`)."""
