"""OneID: one person per real-world person across cookies, forms, the CRM and WeChat
(`graph`), kept from over-merging by `guards`."""
