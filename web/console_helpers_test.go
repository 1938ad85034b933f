package web_test

import (
	"fmt"

	"github.com/PuerkitoBio/goquery"

	"github.com/switchboardhq/switchboard/web"
)

func fmtPath(format string, args ...any) string { return fmt.Sprintf(format, args...) }

type webRoute = web.Route

type Selectionish = goquery.Selection
