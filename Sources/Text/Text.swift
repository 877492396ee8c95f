// The Text module. See shared ARCHITECTURE.md for its place in the data flow.
