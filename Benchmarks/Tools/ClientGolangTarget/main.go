// client-golang-target serves, through Go's client_golang promhttp, the same series as a text
// exposition it is given: the comparison Scripts/bench-scrape measures beside scrape-target.
//
// Like an exporter that reads its state at scrape time, a collector turns every sample of the
// file into a constant metric on each scrape, and promhttp encodes (OpenMetrics when asked) and
// gzips the result.
//
//	client-golang-target -exposition breakers.txt -listen 127.0.0.1:9466
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// exposition emits the samples of parsed families as constant metrics.
type exposition struct {
	families []*dto.MetricFamily
	descs    map[string]*prometheus.Desc
}

func newExposition(families map[string]*dto.MetricFamily) *exposition {
	e := &exposition{descs: map[string]*prometheus.Desc{}}
	names := make([]string, 0, len(families))
	for name := range families {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		family := families[name]
		e.families = append(e.families, family)
		if len(family.Metric) == 0 {
			continue
		}
		var labels []string
		for _, pair := range family.Metric[0].Label {
			labels = append(labels, pair.GetName())
		}
		e.descs[name] = prometheus.NewDesc(name, family.GetHelp(), labels, nil)
	}
	return e
}

func (e *exposition) Describe(descs chan<- *prometheus.Desc) {
	for _, desc := range e.descs {
		descs <- desc
	}
}

func (e *exposition) Collect(metrics chan<- prometheus.Metric) {
	for _, family := range e.families {
		desc := e.descs[family.GetName()]
		for _, metric := range family.Metric {
			values := make([]string, 0, len(metric.Label))
			for _, pair := range metric.Label {
				values = append(values, pair.GetValue())
			}
			switch family.GetType() {
			case dto.MetricType_COUNTER:
				metrics <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, metric.Counter.GetValue(), values...)
			case dto.MetricType_GAUGE:
				metrics <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, metric.Gauge.GetValue(), values...)
			case dto.MetricType_HISTOGRAM:
				buckets := map[float64]uint64{}
				for _, bucket := range metric.Histogram.Bucket {
					buckets[bucket.GetUpperBound()] = bucket.GetCumulativeCount()
				}
				metrics <- prometheus.MustNewConstHistogram(desc, metric.Histogram.GetSampleCount(), metric.Histogram.GetSampleSum(), buckets, values...)
			default:
				metrics <- prometheus.MustNewConstMetric(desc, prometheus.UntypedValue, metric.Untyped.GetValue(), values...)
			}
		}
	}
}

func main() {
	path := flag.String("exposition", "", "a text-format exposition whose series to serve")
	listen := flag.String("listen", "127.0.0.1:9466", "the address to serve /metrics on")
	flag.Parse()
	file, err := os.Open(*path)
	if err != nil {
		log.Fatal(err)
	}
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(file)
	file.Close()
	if err != nil {
		log.Fatal(err)
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(newExposition(families))
	http.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	log.Printf("serving %d families on http://%s/metrics", len(families), *listen)
	log.Fatal(http.ListenAndServe(*listen, nil))
}
