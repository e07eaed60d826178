using PolyakCore.Training;
using PolyakDashboard.Api;
using PolyakDashboard.Cli;
using PolyakDashboard.Extensions;
using PolyakDashboard.Security;

// Before the first torch call, for the CLI and the server alike (see NativeMemory).
NativeMemory.KeepBlocksForReuse();
NativeMemory.PreferPassiveThreads();

// "worker": a worker silo of the Orleans cluster (Runs:Engine=orleans), no web server.
if (args is [PolyakDashboard.ScaleOut.WorkerHost.Command, ..])
    return await PolyakDashboard.ScaleOut.WorkerHost.RunAsync(args[1..]);

// With a command (run, experiment) this is the headless CLI; with none it is the web server.
if (CommandLine.IsCliInvocation(args))
    return await CommandLine.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddRuns();
builder.AddScaleOut();                // several instances (SignalR:Redis), training on Orleans workers (Runs:Engine=orleans)
builder.AddPresenterSecurity();
builder.AddDashboardUi();
builder.AddApiDocs();                 // the OpenAPI document and the API reference

var app = builder.Build();
if (!app.OpenRunStore()) return 3;     // the reason is printed; a restart loop would only repeat it
app.UsePresenterSecurity();           // who is presenter, what needs it, and the viewers' rate limits
app.MapRuns();
app.MapApiDocs();
app.MapDashboardUi();
app.Run();
return 0;

public partial class Program;
