using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>No field label or selected value is cut off ("start …", "40 ×…") at a projector's or a laptop's width.</summary>
[Collection(DashboardCollection.Name)]
public sealed class TruncatedLabelTests(DashboardFixture app)
{
    /// <summary>Visible labels, select values and placeholders whose text is wider than their box.</summary>
    private const string CutOff = """
        () => {
            const ctx = document.createElement('canvas').getContext('2d');
            // The text's natural width in the element's own font against the room inside its padding, both unrounded
            // (scrollWidth and clientWidth round: a label 0.6 px short of its text showed 'start …').
            const cut = (el, text) => {
                const s = getComputedStyle(el);
                ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
                ctx.letterSpacing = s.letterSpacing === "normal" ? "0px" : s.letterSpacing;
                const padding = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
                const room = (s.boxSizing === 'border-box' ? parseFloat(s.width) - padding : parseFloat(s.width));   // unrounded, unlike clientWidth
                return ctx.measureText(text).width > room + 0.1;
            };
            return [...document.querySelectorAll('.mud-input-label, .mud-select .mud-input-slot, input.mud-input-slot')]
                .filter(el => el.offsetParent !== null)
                .map(el => el.tagName === 'INPUT'
                    ? (el.value === '' && el.placeholder && cut(el, el.placeholder) ? 'placeholder ' + el.placeholder : '')
                    : (cut(el, el.textContent.trim()) ? el.textContent.trim() : ''))
                .filter(t => t);
        }
        """;

    [Theory]
    [InlineData("1c", 1280, 720)]
    [InlineData("1c", 1366, 768)]
    [InlineData("explorer", 1280, 720)]
    [InlineData("explorer", 1366, 768)]
    public async Task No_label_is_cut_off(string path, int width, int height)
    {
        var page = await app.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        try
        {
            await page.GotoAsync(path);
            await DashboardFixture.WaitForInteractiveAsync(page);
            await page.WaitForTimeoutAsync(500);
            var cut = await page.EvaluateAsync<string[]>(CutOff);
            Assert.True(cut.Length == 0, $"/{path} at {width}×{height}: cut off: {string.Join(" | ", cut)}");
        }
        finally { await page.CloseAsync(); }
    }
}
