//go:build race

package ui

// raceDetector: the tests run under the race detector.
const raceDetector = true
