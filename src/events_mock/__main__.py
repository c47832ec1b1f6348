from events_mock.cli import main

main()
