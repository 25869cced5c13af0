package metrics

import "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

// EstimateBatch is the estimated request size of a batch, for tests.
func EstimateBatch(ds []types.MetricDatum) int {
	n := requestOverhead
	for i := range ds {
		n += estimateSize(&ds[i])
	}
	return n
}
