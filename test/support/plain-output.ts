// The node test runner sets FORCE_COLOR=1 for each test file when it reports to a
// terminal, and the CLI honours FORCE_COLOR (and NO_COLOR): the reports the tests
// spawn and read would then be coloured. Imported for its effect: they read plain text.
// Tests of colour itself give these variables to the runs they spawn.

delete process.env.FORCE_COLOR;
delete process.env.NO_COLOR;
