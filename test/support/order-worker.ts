// A worker script for the scheduler's tests: answers each file of a work item
// with its name, after work proportional to its size, so items finish out of order.

export interface OrderTask {
  files: { name: string; size: number }[];
}

export default function answer(task: OrderTask): string[] {
  return task.files.map((file) => {
    const until = Date.now() + file.size / 1000;
    while (Date.now() < until) {
      // busy, like a parse
    }
    return file.name;
  });
}
