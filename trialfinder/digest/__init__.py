"""Weekly email digests: saved searches, a state store of what each recipient was sent,
messages rendered from templates, and SMTP delivery that neither loses nor repeats a change.

- :mod:`.config`: the TOML configuration file, validated with line numbers.
- :mod:`.addresses`: email addresses and host names, checked as delivery will use them.
- :mod:`.state`: the SQLite state store (snapshots per recipient, the outbox, failed tries,
  dead letters, the log of runs, the run lock).
- :mod:`.changes`: what changed between two snapshots of a saved search.
- :mod:`.searching`: runs one saved search through the source and the result pipeline.
- :mod:`.mail`: builds the email (text + HTML from templates, safe headers).
- :mod:`.smtp`: hands a message to the SMTP server.
- :mod:`.run`: one digest run, from the searches to the deliveries.
- :mod:`.status`: what ``digest status`` shows.
"""
