package check

// Limits and counters, for tests that bound what parsing a file costs.
const (
	MaxNodes     = maxNodes
	MaxYAMLNodes = maxYAMLNodes
	MaxErrors    = maxErrors
)

// NodeBound is nodeBound without a limit.
func NodeBound(data []byte) int {
	n, _ := nodeBound(data, int(^uint(0)>>1))
	return n
}

// ParseSteps is Parse, also returning how many steps the decoder took.
func ParseSteps(file string, data []byte) (*Config, int, error) {
	var st parseStats
	c, err := parse(file, data, &st)
	return c, st.steps, err
}
