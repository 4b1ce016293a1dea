"""The programme at a glance: the staff's admin home (R23), read from every app below support."""
