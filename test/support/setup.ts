/**
 * Runs before every test file. depd prints deprecation warnings to stderr
 * unless someone listens for them; listening keeps the test output quiet.
 * Tests that check a warning add a listener of their own.
 */
process.on('deprecation', () => {})
