"""Customer data: profiles (customer 360), tags and segments over the OneID identities."""
