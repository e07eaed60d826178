using System.Text.Json;
using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>Display defects found on a 1366×768 laptop screen, checked where a number can say it.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DisplayPolishTests(DashboardFixture app)
{
    [Fact]
    public async Task The_2a_cost_table_fits_a_1366_screen_without_wrapping_a_value()
    {
        var page = await app.NewPageAsync();
        try
        {
            await page.SetViewportSizeAsync(1366, 768);
            await page.GotoAsync("constraints");
            await DashboardFixture.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.Locator("[data-testid=ls-costs] tbody tr")).ToHaveCountAsync(3, new() { Timeout = 15_000 });
            // The container does not scroll (nothing hidden to the right), and every number is on one line
            // ("8.2e-5" once broke at its minus sign into "8.2e" and "5").
            var fit = await page.EvaluateAsync<JsonElement>("""
                () => {
                  const table = document.querySelector('[data-testid=ls-costs]');
                  const container = table.querySelector('.mud-table-container') ?? table;
                  const lines = [...table.querySelectorAll('tbody td:not(:first-child)')].map(td => {
                    const range = document.createRange();
                    range.selectNodeContents(td);
                    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
                  });
                  return { scroll: container.scrollWidth, client: container.clientWidth, maxLines: Math.max(...lines) };
                }
                """);
            Assert.True(fit.GetProperty("scroll").GetInt32() <= fit.GetProperty("client").GetInt32(), fit.ToString());
            Assert.Equal(1, fit.GetProperty("maxLines").GetInt32());
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task A_live_chart_draws_a_single_point_and_keeps_its_reference_line_off_the_axis()
    {
        var page = await app.OpenAsync("");
        try
        {
            // A LiveChart of its own, through the module's JS API: one point per series (epoch 0 of a live
            // run) and a floor below the data, as on /1d.
            var result = await page.EvaluateAsync<JsonElement>("""
                async () => {
                  const live = await import(new URL('Components/Charts/LiveChart.razor.js', document.baseURI).href);
                  const host = document.createElement('div');
                  host.id = 'polish-test-chart';
                  host.style.width = '500px';
                  host.innerHTML = '<div data-legend></div><div data-plot style="height: 300px"></div>';
                  document.body.prepend(host);
                  live.init(host.id, { xTitle: 'epoch', yTitle: 'loss', height: 300, referenceValue: 0.251, referenceLabel: 'entropy floor' });
                  live.appendPoints(host.id, 'train', [0], [3.81]);
                  live.appendPoints(host.id, 'val', [0], [3.82]);
                  for (let i = 0; i < 100 && !host.querySelector('.apexcharts-yaxis-annotations line'); i++)
                    await new Promise(r => setTimeout(r, 100));
                  await new Promise(r => setTimeout(r, 300));
                  const line = host.querySelector('.apexcharts-yaxis-annotations line');
                  const grid = host.querySelector('.apexcharts-grid').getBBox();
                  return {
                    // ApexCharts leaves zero-size marker nodes in a one-point series: count the visible ones.
                    markers: [...host.querySelectorAll('.apexcharts-marker')].filter(m => m.getBBox().width >= 6).length, widths: [...host.querySelectorAll('.apexcharts-marker')].map(m => m.getBBox().width + ':' + getComputedStyle(m).opacity).join(' '),
                    lineY: line ? +line.getAttribute('y1') : -1,
                    gridBottom: grid.y + grid.height,
                    label: host.querySelector('.apexcharts-yaxis-annotation-label')?.textContent ?? '',
                  };
                }
                """);
            Assert.True(result.GetProperty("markers").GetInt32() >= 2, result.ToString());
            Assert.Equal("entropy floor", result.GetProperty("label").GetString());
            // The floor line is drawn inside the plot, clear of the x axis (it once lay on it: y-min was the floor).
            double lineY = result.GetProperty("lineY").GetDouble(), bottom = result.GetProperty("gridBottom").GetDouble();
            Assert.True(lineY > 0 && lineY < bottom - 5, result.ToString());
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
