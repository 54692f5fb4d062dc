// A test run that starts an SSH lab and is then killed with SIGKILL (test/ssh/lab.test.ts).
import { startSshLab } from './ssh-lab.js';

const lab = await startSshLab();
console.log(JSON.stringify({ prefix: lab.info.prefix, pids: lab.info.hosts.map((h) => h.pid) }));
setInterval(() => undefined, 60_000);
