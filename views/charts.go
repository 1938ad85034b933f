package views

import (
	"fmt"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// Chart is one server-rendered bar chart: a bar per series per bucket,
// drawn as SVG (no script), with a legend that names each series by text and
// by pattern, not by colour alone, and the numbers in a table below.
type Chart struct {
	Title   string
	TestID  string
	Summary string // one line under the title, e.g. the window's success rate
	Labels  []string
	Series  []ChartSeries
	Unit    string // after each value in the table and the bars' titles
	Note    string
}

// ChartSeries is one series of a chart; Class picks its fill and pattern.
type ChartSeries struct {
	Name   string
	Class  string
	Values []float64
}

// ChartsData is the overview's charts over one window.
type ChartsData struct {
	Range  string // "24h" or "7d"
	Charts []Chart
}

// Chart geometry, in SVG units.
const (
	chartW, chartH     = 720.0, 200.0
	chartLeft, chartBy = 56.0, 30.0 // room for the scale, and for labels under the bars
)

// BuildCharts turns the store's buckets into the overview's charts.
func BuildCharts(rng string, bs []store.ChartBucket) ChartsData {
	labels := make([]string, len(bs))
	for i, b := range bs {
		if rng == "7d" {
			labels[i] = b.Start.UTC().Format("Mon 2")
		} else {
			labels[i] = b.Start.UTC().Format("15h")
		}
	}
	series := func(name, class string, v func(store.ChartBucket) float64) ChartSeries {
		s := ChartSeries{Name: name, Class: class, Values: make([]float64, len(bs))}
		for i, b := range bs {
			s.Values[i] = v(b)
		}
		return s
	}
	var ok, failed, received, rejected float64
	for _, b := range bs {
		ok, failed = ok+float64(b.PaymentsSucceeded), failed+float64(b.PaymentsFailed)
		received, rejected = received+float64(b.Received), rejected+float64(b.Failed)
	}
	rate := "no payments in this window"
	if ok+failed > 0 {
		rate = fmt.Sprintf("payment success rate %.1f %% (%d of %d)", 100*ok/(ok+failed), int64(ok), int64(ok+failed))
	}
	return ChartsData{Range: rng, Charts: []Chart{
		{Title: "Webhooks", TestID: "chart-webhooks", Labels: labels,
			Summary: fmt.Sprintf("%d received, %d failed for good", int64(received), int64(rejected)),
			Series: []ChartSeries{
				series("received", "s1", func(b store.ChartBucket) float64 { return float64(b.Received) }),
				series("failed", "s2", func(b store.ChartBucket) float64 { return float64(b.Failed) }),
			}},
		{Title: "Payments", TestID: "chart-payments", Labels: labels, Summary: rate,
			Series: []ChartSeries{
				series("succeeded", "s1", func(b store.ChartBucket) float64 { return float64(b.PaymentsSucceeded) }),
				series("failed", "s2", func(b store.ChartBucket) float64 { return float64(b.PaymentsFailed) }),
			}},
		{Title: "Refunds and disputes", TestID: "chart-refunds", Labels: labels,
			Series: []ChartSeries{
				series("refunds", "s1", func(b store.ChartBucket) float64 { return float64(b.Refunds) }),
				series("disputes opened", "s2", func(b store.ChartBucket) float64 { return float64(b.Disputes) }),
			}},
		{Title: "Payment to CRM, median", TestID: "chart-crm", Labels: labels, Unit: " s",
			Series: []ChartSeries{
				series("median seconds", "s1", func(b store.ChartBucket) float64 { return b.CRMMedian.Round(100 * time.Millisecond).Seconds() }),
			}},
		{Title: "Jobs", TestID: "chart-jobs", Labels: labels, Note: "River keeps finished jobs a day and failed ones a week.",
			Series: []ChartSeries{
				series("completed", "s1", func(b store.ChartBucket) float64 { return float64(b.JobsCompleted) }),
				series("failed for good", "s2", func(b store.ChartBucket) float64 { return float64(b.JobsFailed) }),
			}},
	}}
}

// max is the chart's scale: the largest value, at least 1.
func (c Chart) max() float64 {
	m := 1.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			m = max(m, v)
		}
	}
	return m
}

// bar is one bar's geometry.
type bar struct {
	X, Y, W, H float64
	Title      string
	Class      string
}

func (c Chart) bars() []bar {
	if len(c.Labels) == 0 || len(c.Series) == 0 {
		return nil
	}
	slot := (chartW - chartLeft) / float64(len(c.Labels))
	w := slot * 0.8 / float64(len(c.Series))
	plot := chartH - chartBy
	m := c.max()
	var out []bar
	for i, label := range c.Labels {
		for j, s := range c.Series {
			h := s.Values[i] / m * (plot - 4)
			out = append(out, bar{X: chartLeft + float64(i)*slot + slot*0.1 + float64(j)*w, Y: plot - h, W: w, H: h,
				Title: label + ": " + fmtNum(s.Values[i]) + c.Unit + " " + s.Name, Class: "bar " + s.Class})
		}
	}
	return out
}

// tick is a label under the bars (every few buckets, so they never overlap).
type tick struct {
	X     float64
	Label string
}

func (c Chart) ticks() []tick {
	if len(c.Labels) == 0 {
		return nil
	}
	slot := (chartW - chartLeft) / float64(len(c.Labels))
	every := max(1, len(c.Labels)/8)
	var out []tick
	for i, l := range c.Labels {
		if i%every == 0 {
			out = append(out, tick{X: chartLeft + float64(i)*slot + slot/2, Label: l})
		}
	}
	return out
}

func fmtNum(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// overviewLead says what the overview covers: its figures are always the last
// 24 hours (they refresh themselves); its charts the range chosen.
func overviewLead(rng string) string {
	if rng == "7d" {
		return "Charts of the last 7 days; the figures are the last 24 hours of money, customers and integrations, and refresh themselves."
	}
	return "The last 24 hours of money, customers and integrations. This page refreshes itself."
}
