import { Link } from 'react-router';

export function NotFound() {
  return (
    <div className="p-8">
      <h1 className="text-lg font-semibold">No such page</h1>
      <p className="mt-2 text-sm text-slate-500">
        Go back to the <Link className="text-blue-600 underline" to="/">fleet</Link>.
      </p>
    </div>
  );
}
