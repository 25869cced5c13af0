//go:build race

package check_test

// raceDetector: the race detector makes parsing some ten times slower.
const raceDetector = true
