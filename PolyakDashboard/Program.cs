using PolyakDashboard.Cli;

// With a command (run, experiment) this is the headless CLI; with none it is the web server.
if (CommandLine.IsCliInvocation(args))
    return await CommandLine.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "Polyak Dashboard");
app.Run();
return 0;

public partial class Program;
