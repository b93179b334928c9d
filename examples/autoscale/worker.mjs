// Stand-in for one more processor: stays up until stopped.
setInterval(() => {}, 60_000);
