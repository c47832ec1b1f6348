"""What each API's flow tests send, and the oracles their answers are judged by.

One module per API: `barchart` (the events a report must hold and the export rows they become),
`collector` (events and payloads a collector must store byte for byte, or refuse), `billing`
(the search as the spec defines it). Written from the vendors' documentation, never from the
mock's code, so the mock is held to the same oracle as any other implementation.
"""
