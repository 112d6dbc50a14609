from briefgen.cli import entry

entry()
