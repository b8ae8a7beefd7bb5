"""Collective bonds (集合债): the finance company assembles member firms into one issue under
"统一冠名、分别负债、统一担保、集合发行" — one name, each firm liable for its own share, one
guarantor over the whole, one issuance (docs/schemes.md, "Collective bond")."""
